"""An exclusive, non-blocking lock on an open file, on POSIX and on Windows.

POSIX takes an advisory ``flock`` on the whole file. Windows byte-range locks are
mandatory, so a lock on the GeoPackage's own bytes would stop other programs (QGIS,
GDAL, SQLite itself) from reading them; the lock is therefore taken on one byte far past
the end of any inventory and clear of the bytes SQLite locks (from 0x40000000), which
Windows allows and which nothing reads.

How long a writer waits for another's lock (geoasset's own, or SQLite's when QGIS or GDAL
is writing) is :func:`lock_wait_seconds`: 5 seconds, or the environment variable
``GEOASSET_LOCK_WAIT``.

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

import math
import os
from collections.abc import Mapping
from typing import BinaryIO

from geoasset.errors import GeoassetError

__all__ = ["DEFAULT_LOCK_WAIT_S", "lock_wait_seconds", "try_lock", "unlock"]

#: Offset of the byte locked on Windows (above SQLite's lock bytes, below 2 GiB).
WINDOWS_LOCK_OFFSET = 0x7FFF0000
#: Seconds a writer waits for another's lock unless ``GEOASSET_LOCK_WAIT`` says otherwise.
DEFAULT_LOCK_WAIT_S = 5.0
#: The environment variable that sets the wait, in seconds.
LOCK_WAIT_VARIABLE = "GEOASSET_LOCK_WAIT"


def lock_wait_seconds(environ: Mapping[str, str] | None = None) -> float:
    """Seconds a writer waits for another program's lock: ``GEOASSET_LOCK_WAIT`` of
    ``environ`` (default: this process's environment), else 5. An office whose inventory
    sits on a slow shared drive may want longer; a script that must not wait, 0.

    >>> lock_wait_seconds({})
    5.0
    >>> lock_wait_seconds({"GEOASSET_LOCK_WAIT": "30"})
    30.0
    >>> lock_wait_seconds({"GEOASSET_LOCK_WAIT": "soon"})
    Traceback (most recent call last):
    ...
    geoasset.errors.GeoassetError: GEOASSET_LOCK_WAIT must be a number of seconds, 0 or more; got 'soon'
    """
    text = (os.environ if environ is None else environ).get(LOCK_WAIT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_LOCK_WAIT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise GeoassetError(
            f"{LOCK_WAIT_VARIABLE} must be a number of seconds, 0 or more; got {text!r}"
        )
    return seconds


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
