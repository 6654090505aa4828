"""Making writes durable: fsync helpers shared by the vault writer and the state folder."""

from __future__ import annotations

import ctypes
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syncfs  # noqa: B018  # raises AttributeError on a libc without it
    except (OSError, AttributeError):
        return None
    return libc


def syncfs(path: Path) -> bool:
    """Flush the whole file system holding path (Linux syncfs); False where unavailable.

    One syncfs replaces an fsync per file: since Linux 5.8 it also reports write-back errors.
    """
    if not sys.platform.startswith("linux"):
        return False
    libc = _libc()
    if libc is None:
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.syncfs(fd) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
    finally:
        os.close(fd)
    return True
