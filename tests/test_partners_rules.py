"""partners/rules.py: when a follow-up is due, and why."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import MappingProxyType
from typing import Any

import pytest

from vaultpartner.config import DEFAULT_CONFIG
from vaultpartner.partners.model import (
    Commitment,
    ContactHistory,
    ExistingFollowup,
    FollowupStatus,
    Interaction,
    Recruiter,
)
from vaultpartner.partners.rules import cadence_for, due_followups

D = dt.date
TODAY = D(2026, 11, 26)
CONFIG = DEFAULT_CONFIG.partners  # passive, 3mo; active 3w; window 3


def history(
    *,
    interactions: tuple[Interaction, ...] = (),
    commitments: tuple[Commitment, ...] = (),
    path: str = "R/Анна Петрова.md",
    **fields: Any,
) -> ContactHistory:
    recruiter = Recruiter(path=path, name=path.rsplit("/", 1)[-1][:-3], **fields)
    return ContactHistory(recruiter, interactions, commitments)


def note(day: D, gave: tuple[str, ...] = ()) -> Interaction:
    return Interaction(date=day, source=f"I/{day}.md", line=None, gave=gave, structured=True)


def run(*histories: ContactHistory, config: Any = CONFIG, **kwargs: Any) -> Any:
    kwargs.setdefault("profile_changed", None)
    kwargs.setdefault("existing", ())
    kwargs.setdefault("today", TODAY)
    return due_followups(histories, config=config, **kwargs)


def reasons(result: Any) -> list[tuple[str, D]]:
    due, _ = result
    assert len(due) == 1
    return [(r.reason, r.since) for r in due[0].reasons]


def test_cadence_from_recruiter() -> None:
    due, problems = run(history(last_contact=D(2026, 10, 2), cadence="6w"))
    assert problems == []
    assert due[0].due == D(2026, 11, 13)
    assert due[0].reasons[0].detail == "6w since 2026-10-02"
    assert run(history(last_contact=D(2026, 10, 20), cadence="6w"))[0] == []


def test_cadence_boundary_is_inclusive() -> None:
    h = history(last_contact=D(2026, 10, 15), cadence="6w")  # + 6w = 2026-11-26
    assert run(h, today=D(2026, 11, 25))[0] == []
    due, _ = run(h, today=D(2026, 11, 26))
    assert due[0].due == D(2026, 11, 26)


def test_cadence_from_tag_rule_then_mode() -> None:
    config = dataclasses.replace(CONFIG, tag_cadences=MappingProxyType({"hot": "1w", "it": "2w"}))
    tagged = history(last_contact=D(2026, 11, 1), tags=("IT", "hot"))
    assert cadence_for(tagged, config) == "2w"  # first matching tag in the recruiter's order
    assert cadence_for(history(tags=("x",)), config) == "3mo"
    active = dataclasses.replace(config, search_mode="active")
    assert cadence_for(history(), active) == "3w"
    assert cadence_for(history(cadence="6w", tags=("hot",)), config) == "6w"
    assert reasons(run(tagged, config=config)) == [("cadence", D(2026, 11, 15))]


def test_last_contact_is_the_newest_of_all_sources() -> None:
    h = history(
        last_contact=D(2026, 1, 1),
        cadence="30d",
        interactions=(Interaction(D(2026, 11, 20), "R/a.md", 5),),
    )
    assert run(h)[0] == []


def test_profile_reason() -> None:
    h = history(last_contact=D(2026, 11, 20), profile_shared=D(2026, 5, 1))
    assert reasons(run(h, profile_changed=D(2026, 11, 1))) == [("profile", D(2026, 11, 1))]
    assert run(h, profile_changed=D(2026, 5, 1))[0] == []
    missing = history(last_contact=D(2026, 11, 20))
    assert reasons(run(missing, profile_changed=D(2026, 11, 1))) == [("profile", D(2026, 11, 1))]
    assert run(missing)[0] == []


def test_commitment_reason() -> None:
    task = Commitment("send portfolio", D(2026, 11, 25), "R/a.md", 9)
    later = Commitment("later", D(2026, 12, 25), "R/a.md", 10)
    h = history(last_contact=D(2026, 11, 20), commitments=(task, later))
    assert reasons(run(h)) == [("commitment", D(2026, 11, 25))]
    assert run(history(last_contact=D(2026, 11, 20), commitments=(later,)))[0] == []


def test_reciprocity_reason() -> None:
    taking = (
        note(D(2026, 11, 20)),
        note(D(2026, 10, 1)),
        note(D(2026, 9, 1)),
        note(D(2020, 1, 1), ("x",)),
    )
    h = history(interactions=taking)
    assert reasons(run(h)) == [("reciprocity", D(2026, 11, 20))]
    giving = (note(D(2026, 11, 20)), note(D(2026, 10, 1), ("referral",)), note(D(2026, 9, 1)))
    assert run(history(interactions=giving))[0] == []
    assert run(history(interactions=taking[:2]))[0] == []  # fewer than the window
    window2 = dataclasses.replace(CONFIG, reciprocity_window=2)
    assert reasons(run(history(interactions=taking[:2]), config=window2)) == [
        ("reciprocity", D(2026, 11, 20))
    ]


def test_every_reason_listed_in_order() -> None:
    h = history(
        last_contact=D(2026, 1, 1),
        profile_shared=D(2026, 1, 1),
        interactions=(note(D(2026, 3, 1)), note(D(2026, 2, 1)), note(D(2026, 1, 15))),
        commitments=(Commitment("x", D(2026, 11, 1), "R/a.md", 3),),
    )
    assert reasons(run(h, profile_changed=D(2026, 6, 1))) == [
        ("cadence", D(2026, 6, 1)),
        ("profile", D(2026, 6, 1)),
        ("commitment", D(2026, 11, 1)),
        ("reciprocity", D(2026, 3, 1)),
    ]
    due, _ = run(h, profile_changed=D(2026, 6, 1))
    assert due[0].due == D(2026, 3, 1)


def test_do_not_contact_until() -> None:
    h = history(last_contact=D(2026, 1, 1), do_not_contact_until=D(2026, 12, 1))
    assert run(h)[0] == []
    due, _ = run(h, today=D(2026, 12, 1))
    assert due[0].due == D(2026, 12, 1)
    due, _ = run(h, horizon=D(2026, 12, 31))
    assert due[0].due == D(2026, 12, 1)


@pytest.mark.parametrize("status", ["paused", "archived"])
def test_paused_and_archived_never_due(status: str) -> None:
    h = history(
        status=status,
        commitments=(Commitment("x", D(2026, 1, 1), "R/a.md", 3),),
    )
    assert run(h, profile_changed=D(2026, 11, 1)) == ([], [])


def existing(status: FollowupStatus = "open", **fields: Any) -> ExistingFollowup:
    values: dict[str, Any] = {
        "path": "Follow-ups/x.md",
        "recruiter_path": "R/Анна Петрова.md",
        "due": D(2026, 11, 13),
        "status": status,
        "tasks_total": 1,
        "tasks_done": 0,
        "newest_done_date": None,
        "content_hash": "h",
    }
    values.update(fields)
    return ExistingFollowup(**values)


def test_one_open_followup_per_recruiter() -> None:
    h = history(last_contact=D(2026, 10, 2), cadence="6w")
    assert run(h, existing=[existing()])[0] == []
    other = existing(recruiter_path="R/Other.md")
    assert len(run(h, existing=[other])[0]) == 1


def test_completed_followup_restarts_the_clock() -> None:
    h = history(last_contact=D(2026, 10, 2), cadence="6w")
    done = existing(tasks_done=1, newest_done_date=D(2026, 11, 14))
    assert run(h, existing=[done])[0] == []
    due, _ = run(h, existing=[done], today=D(2026, 12, 26))
    assert due[0].due == D(2026, 12, 26)
    skipped = existing("skipped")
    assert run(h, existing=[skipped])[0] == []
    assert run(h, existing=[existing("done", tasks_done=0)])[0] == []


def test_no_contact_is_reported_not_due() -> None:
    h = history(profile_shared=None)
    due, problems = run(h, profile_changed=D(2026, 11, 1))
    assert due == []
    assert [(p.code, p.severity, p.path) for p in problems] == [
        ("recruiter-no-contact", "info", "R/Анна Петрова.md")
    ]
    with_task = history(commitments=(Commitment("x", D(2026, 11, 1), "R/a.md", 3),))
    due, problems = run(with_task)
    assert [r.reason for r in due[0].reasons] == ["commitment"]
    assert len(problems) == 1
    shared = history(profile_shared=D(2026, 1, 1))
    assert reasons(run(shared, profile_changed=D(2026, 11, 1))) == [("profile", D(2026, 11, 1))]


def test_deterministic_order() -> None:
    a = history(path="R/B.md", last_contact=D(2026, 1, 1), cadence="1w")
    b = history(path="R/A.md", last_contact=D(2026, 1, 1), cadence="1w")
    c = history(path="R/C.md", last_contact=D(2025, 1, 1), cadence="1w")
    due, _ = run(a, b, c)
    assert [f.history.recruiter.path for f in due] == ["R/C.md", "R/A.md", "R/B.md"]
    assert run(a, b, c) == run(a, b, c)
