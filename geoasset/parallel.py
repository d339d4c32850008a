"""Work spread over the cores of one machine, through Dask's local schedulers.

GEOS (through shapely), numpy and Arrow release Python's lock, so blocks of a large
vectorised call run side by side in threads (:func:`map_threads`); the statements' PDFs
are drawn in pure Python and run in processes (:func:`map_processes`). Both go through
Dask, the engine that also spreads a run over a cluster (:mod:`geoasset.distributed`).

Inside a worker of a Dask cluster the worker's processes are the parallelism, so the
blocks run one after the other there (no threads on top of the cluster's). The setting
``geoasset.threads`` of :mod:`dask.config` (or the environment variable
``DASK_GEOASSET__THREADS``) sets the number of threads; by default the machine's cores,
at most 4.

Example
-------
>>> sum(map_threads(lambda block: int(block.sum()), split(10, minimum=1)))
45
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

import dask
import numpy as np

T = TypeVar("T")
R = TypeVar("R")


def threads() -> int:
    """Threads for one large vectorised call: 1 inside a Dask worker, else the setting
    ``geoasset.threads`` or the machine's cores (at most 4).

    >>> threads() >= 1
    True
    """
    if _in_dask_worker():
        return 1
    configured = dask.config.get("geoasset.threads", None)
    if configured:
        return max(1, int(configured))
    return cores()


def cores() -> int:
    """The machine's cores, at most 4 (beyond that the large calls gain little).

    >>> 1 <= cores() <= 4
    True
    """
    return max(1, min(4, os.cpu_count() or 1))


def _in_dask_worker() -> bool:
    # a process that has not imported distributed is no worker (and the import is slow)
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return False
    try:
        distributed.get_worker()
    except ValueError:
        return False
    return True


def split(n: int, *, minimum: int, interleave: bool = False) -> list[np.ndarray]:
    """Row numbers ``0..n-1`` in one block per thread, or in one block when ``n`` is
    below ``minimum`` (a single call is faster there). ``interleave`` deals the rows out
    in turn (row k to block k mod threads), so a run of heavy rows is shared.

    >>> [b.tolist() for b in split(5, minimum=1, interleave=True)] in (
    ...     [[0, 1, 2, 3, 4]], [[0, 2, 4], [1, 3]], [[0, 3], [1, 4], [2]], [[0, 4], [1], [2], [3]])
    True
    >>> [b.tolist() for b in split(5, minimum=10)]
    [[0, 1, 2, 3, 4]]
    """
    count = threads()
    if n < max(minimum, 2) or count == 1:
        return [np.arange(n)]
    if interleave:
        return [np.arange(k, n, count) for k in range(min(count, n))]
    return np.array_split(np.arange(n), count)


def map_threads(function: Callable[[T], R], blocks: Sequence[T]) -> list[R]:
    """``[function(b) for b in blocks]``, the blocks in Dask's threaded scheduler.

    >>> map_threads(len, [[1, 2], [3]])
    [2, 1]
    """
    if len(blocks) <= 1:
        return [function(b) for b in blocks]
    tasks = [dask.delayed(function, pure=False)(b) for b in blocks]
    return list(dask.compute(*tasks, scheduler="threads", num_workers=len(blocks)))


def side_by_side(*functions: Callable[[], R]) -> list[R]:
    """``[f() for f in functions]``, the functions in threads side by side (one after
    the other with one thread, as inside a Dask worker). Functions that split their own
    work over threads add theirs: meant for GEOS work, which leaves Python's lock.

    >>> side_by_side(lambda: 1, lambda: 2)
    [1, 2]
    """
    if threads() == 1:
        return [f() for f in functions]
    return map_threads(lambda f: f(), functions)


def map_processes(function: Callable[..., R], calls: Sequence[tuple], workers: int) -> list[R]:
    """``[function(*args) for args in calls]`` in ``workers`` processes (Dask's
    multiprocessing scheduler; ``function`` must be importable by name), or in this
    process when ``workers`` is 1 or inside a Dask worker.

    >>> map_processes(max, [(1, 2), (4, 3)], workers=1)
    [2, 4]
    """
    if workers <= 1 or len(calls) <= 1 or _in_dask_worker():
        return [function(*args) for args in calls]
    tasks = [dask.delayed(function, pure=False)(*args) for args in calls]
    # the platform's own way to start processes (fork on Linux), as the standard
    # library's pools do, rather than Dask's default of spawn everywhere: a script that
    # calls this without an ``if __name__ == "__main__"`` guard still works there
    with dask.config.set({"multiprocessing.context": multiprocessing.get_start_method()}):
        return list(dask.compute(*tasks, scheduler="processes", num_workers=workers))
