"""Timing shared by the benchmark scripts: the median of repeated wall-clock runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any, NamedTuple


class Timing(NamedTuple):
    median: float  # seconds
    runs: list[float]  # seconds of each run, in order
    result: Any  # what the last run returned


def timed(function: Callable[[], Any], repeat: int) -> Timing:
    """Call ``function`` ``repeat`` times; the median wall-clock seconds and the last result.

    >>> timed(lambda: 42, 3).result
    42
    """
    runs, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        runs.append(time.perf_counter() - started)
    return Timing(statistics.median(runs), runs, result)
