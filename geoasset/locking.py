"""An exclusive, non-blocking lock on an open file, on POSIX and on Windows.

POSIX takes an advisory ``flock`` on the whole file. Windows byte-range locks are
mandatory, so a lock on the GeoPackage's own bytes would stop other programs (QGIS,
GDAL, SQLite itself) from reading them; the lock is therefore taken on one byte far past
the end of any inventory and clear of the bytes SQLite locks (from 0x40000000), which
Windows allows and which nothing reads.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryFile() as handle:
...     first = try_lock(handle)
...     unlock(handle)
>>> first
True
"""

from __future__ import annotations

import os
from typing import BinaryIO

__all__ = ["try_lock", "unlock"]

#: Offset of the byte locked on Windows (above SQLite's lock bytes, below 2 GiB).
WINDOWS_LOCK_OFFSET = 0x7FFF0000


def try_lock(handle: BinaryIO) -> bool:
    """Take the exclusive lock on ``handle``'s file; ``False`` if another process holds it."""
    if os.name == "nt":
        import msvcrt

        handle.seek(WINDOWS_LOCK_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def unlock(handle: BinaryIO) -> None:
    """Release the lock :func:`try_lock` took on ``handle``'s file."""
    if os.name == "nt":
        import msvcrt

        handle.seek(WINDOWS_LOCK_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
