"""Child process for kill tests: rewrites a vault through SafeWriter until it is killed.

usage: fault_writer_child.py VAULT COUNT CONTENT_A CONTENT_B [--kill-at STAGE]

Each file holds CONTENT_A or CONTENT_B (files named in hex); the child flips every file
in a loop. With --kill-at it SIGKILLs itself at that fault-hook stage of the first write,
which pins the crash to an exact step instead of a random moment.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from vaultpartner.digest import content_hash
from vaultpartner.writer import SafeWriter


def main(argv: list[str]) -> int:
    vault, count = Path(argv[1]), int(argv[2])
    contents = (Path(argv[3]).read_bytes(), Path(argv[4]).read_bytes())
    kill_at = argv[6] if len(argv) > 6 and argv[5] == "--kill-at" else None

    def hook(stage: str) -> None:
        if stage == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    writer = SafeWriter(vault, fault_hook=hook)
    print("ready", flush=True)
    while True:
        for i in range(count):
            rel = f"notes/n{i:03d}.md"
            current = (vault / rel).read_bytes()
            new = contents[1] if current == contents[0] else contents[0]
            result = writer.write(rel, new, expected_hash=content_hash(current))
            if result.status != "written":
                print(result.message, file=sys.stderr, flush=True)
                return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
