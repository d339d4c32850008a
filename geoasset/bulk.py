"""Helpers for jobs that create millions of Python objects at once.

Examples
--------
>>> import gc
>>> with cycle_collector_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["cycle_collector_paused"]


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk job; usable as a decorator.

    Reading or importing a million-row layer creates a million geometry objects; with
    the collector on, it walks them again and again, which costs about a third of a
    read and a fifth of an import (``benchmarks/bench_import.py``). The objects form no
    reference cycles, so nothing accumulates: the collector runs again afterwards. A
    collector already paused by the caller stays paused.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
