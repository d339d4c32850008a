"""``geoasset`` commands and Python snippets in processes of their own, for the tests of
concurrent writers, killed processes and one-line errors.

A process of its own is what those tests need: its own SQLite connections and locks, its
own exit status, and a kill that ends it alone. Starting Python and importing geopandas
takes about 0.75 s of CPU a process, more than most commands take. Where the system forks,
the processes are therefore forked from one server process that has imported geoasset's
command line and its libraries once (multiprocessing's "forkserver"): each starts in
milliseconds, runs ``geoasset.cli.main.main`` as the ``geoasset`` script does, and exits
with its exit status. Elsewhere (Windows) they are started as ``python -m geoasset.cli``.

Both kinds offer the part of :class:`subprocess.Popen` the tests use: ``pid``, ``poll``,
``wait``, ``kill``, ``send_signal``, ``returncode`` and ``communicate`` (text).

>>> done = run_geoasset("--version", cwd=Path.cwd())
>>> done.returncode, done.stdout.startswith("geoasset, version")
(0, True)
"""

from __future__ import annotations

import locale
import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: What the server imports once, so that the commands start without importing it again.
PRELOAD = [
    "geoasset.cli.main",
    "geoasset.jobs",
    "geoasset.ingest",
    "geoasset.chainage",
    "geoasset.reports",
    "tests.processes",
]


def _forkserver():
    """The forkserver context, or None where the system cannot fork."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _child(command: list[str] | None, code: str | None, cwd: str, env: dict, out: str, err: str):
    """In the forked process: the folder, environment and output files of a new process,
    then the command (as the ``geoasset`` script) or the code (as ``python -c``)."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for fd, path in ((1, out), (2, err)):
        target = os.open(path, os.O_WRONLY | os.O_TRUNC)
        os.dup2(target, fd)
        os.close(target)
    if command is not None:
        from geoasset.cli.main import main

        sys.argv = ["geoasset", *command]
        main()
    else:
        sys.argv = ["-c"]
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102


class ForkedProcess:
    """A process forked from the server, with the Popen methods the tests use."""

    def __init__(self, context, command: list[str] | None, code: str | None, cwd: Path):
        self._files = []
        for _ in ("out", "err"):
            handle, name = tempfile.mkstemp(prefix="geoasset-test-", suffix=".txt")
            os.close(handle)
            self._files.append(name)
        self._output: tuple[str, str] | None = None
        self._process = context.Process(
            target=_child, args=(command, code, str(cwd), dict(os.environ), *self._files)
        )
        self._process.start()

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(f"process {self.pid}", timeout)
        self._collect()
        return self._process.exitcode

    def kill(self) -> None:
        self._process.kill()

    def send_signal(self, signal: int) -> None:
        os.kill(self.pid, signal)

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        self.wait(timeout)
        return self._output

    def _collect(self) -> None:
        """Read the ended process's output (as ``text=True`` decodes it) and remove its
        files."""
        if self._output is not None:
            return
        encoding = locale.getpreferredencoding(False)
        texts = []
        for name in self._files:
            texts.append(Path(name).read_text(encoding=encoding))
            os.unlink(name)
        self._output = (texts[0], texts[1])


def _environment() -> dict:
    """The environment of a ``python`` started here, with this checkout's code first."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path}


def start_geoasset(*args: str, cwd: Path, fresh_interpreter: bool = False):
    """``geoasset ARGS`` started in a process of its own, in ``cwd``, its output captured;
    ``fresh_interpreter``: a new Python that imports everything itself, as the installed
    ``geoasset`` script is."""
    context = None if fresh_interpreter else _forkserver()
    if context is not None:
        return ForkedProcess(context, list(args), None, cwd)
    return subprocess.Popen(
        [sys.executable, "-m", "geoasset.cli", *args],
        cwd=cwd,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_geoasset(
    *args: str, cwd: Path, fresh_interpreter: bool = False, timeout: float = 600
) -> subprocess.CompletedProcess:
    """``geoasset ARGS`` run to its end in a process of its own: exit status and output."""
    process = start_geoasset(*args, cwd=cwd, fresh_interpreter=fresh_interpreter)
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:  # timed out: end it, and remove its output files
            process.kill()
            process.wait()
    return subprocess.CompletedProcess(["geoasset", *args], process.returncode, out, err)


def start_python(code: str, cwd: Path):
    """Python ``code`` started in a process of its own, as ``python -c code`` would run it."""
    context = _forkserver()
    if context is not None:
        return ForkedProcess(context, None, code, cwd)
    return subprocess.Popen([sys.executable, "-c", code], cwd=cwd, env=_environment())
