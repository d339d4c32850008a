"""One overwrite policy and one atomic write for every file geoasset writes.

Policy: an existing output is refused (:class:`~geoasset.errors.OutputExistsError`) unless
the caller passes ``overwrite``; the refusal comes before any work, names the file, and
leaves everything as it was. A missing folder is refused too (never created behind the
user's back, except the folders a job owns, such as a folder of maps).

Writes: a file is written under a hidden temporary name beside its target
(``.<name>.<8 hex>.partial``) and moved into place with :func:`os.replace`, so a reader
sees the old file or the new one, never half of one (:func:`atomic_path`). Several files
that belong together are staged and moved together (:func:`staged_files`).

Examples
--------
>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> target = os.path.join(folder, "report.csv")
>>> with atomic_path(target) as temporary:
...     _ = temporary.write_text("a,b\\n")
>>> sorted(os.listdir(folder))
['report.csv']
>>> check_output(target)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
geoasset.errors.OutputExistsError: ...report.csv already exists; use overwrite to replace it
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from geoasset.errors import GeoassetError, OutputExistsError

__all__ = [
    "StagedFiles",
    "atomic_path",
    "check_output",
    "check_outputs",
    "staged_files",
    "staging_path",
]


def check_output(path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Refuse, before any work, an output file that exists (without ``overwrite``) or
    whose folder does not exist; return it as a :class:`~pathlib.Path`.

    Examples
    --------
    >>> check_output("no/such/folder/map.html")
    Traceback (most recent call last):
    ...
    geoasset.errors.GeoassetError: no/such/folder/map.html: no such folder (no/such/folder does not exist)
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise OutputExistsError(target)
    if not target.parent.is_dir():
        raise GeoassetError(f"{target}: no such folder ({target.parent} does not exist)")
    return target


def check_outputs(
    paths: Iterable[str | os.PathLike], *, overwrite: bool = False, what: str = "output(s)"
) -> list[Path]:
    """Refuse, before any work, when any of ``paths`` exists (without ``overwrite``); the
    message names the first and counts them all.

    Examples
    --------
    >>> [p.name for p in check_outputs(["no-such-file.csv"])]
    ['no-such-file.csv']
    """
    targets = [Path(p) for p in paths]
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        detail = f" ({len(existing)} {what} of an earlier run)" if len(existing) > 1 else ""
        raise OutputExistsError(existing[0], detail)
    return targets


def staging_path(path: str | os.PathLike) -> Path:
    """The hidden temporary name ``path`` is written under before it is moved into place.

    Examples
    --------
    >>> staging_path("out/report.xlsx").name.startswith(".report.xlsx.")
    True
    """
    target = Path(path)
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place if the block succeeds,
    remove it if the block fails."""
    target = Path(path)
    temporary = staging_path(target)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


class StagedFiles:
    """Files written to temporary names, moved into place together by :meth:`commit`."""

    def __init__(self) -> None:
        self.files: list[tuple[Path, Path]] = []
        self.created: list[Path] = []

    def path(self, target: str | os.PathLike) -> Path:
        """The temporary path to write ``target`` to (its folders are created now and
        removed again if nothing is committed)."""
        target = Path(target)
        if not target.parent.exists():
            missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
            target.parent.mkdir(parents=True)
            self.created.extend(missing)
        temporary = staging_path(target)
        self.files.append((temporary, target))
        return temporary

    def commit(self) -> None:
        for temporary, target in self.files:
            os.replace(temporary, target)
        self.files.clear()
        self.created.clear()

    def discard(self) -> None:
        for temporary, _ in self.files:
            temporary.unlink(missing_ok=True)
        for folder in self.created:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()


@contextlib.contextmanager
def staged_files() -> Iterator[StagedFiles]:
    """A :class:`StagedFiles`; whatever was not committed is removed on leaving."""
    stage = StagedFiles()
    try:
        yield stage
    finally:
        stage.discard()
