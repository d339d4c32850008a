"""What a write is: the batch recorded in the inventory's ``history`` and ``batches``.

>>> batch = Batch(command="import", source="tiang.csv", kind="import")
>>> len(batch.batch_id), batch.touched is None
(12, True)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Batch", "HISTORY_COLUMNS"]

#: columns of the ``history`` table: one row per layer per batch
HISTORY_COLUMNS = {
    "batch_id": "str",
    "time_utc": "str",
    "user": "str",
    "command": "str",
    "source": "str",
    "layer": "str",
    "mode": "str",
    "rows_added": "int64",
    "rows_replaced": "int64",
    "rows_refused": "int64",
}


@dataclass
class Batch:
    """What a write is, for the ``history`` table.

    ``refused`` maps a layer name to the number of rows the caller refused (rejects).
    For the asset history (:mod:`geoasset.history`): ``ground_date`` is the day the
    batch's changes happened on the ground (a survey's date; ISO text), ``ended_on``
    maps a layer to ``{asset id: last day on the ground}`` of the assets it removes,
    ``kind`` names the batch (``import``, ``survey``, ``outside edit``...) and ``meta``
    holds what the ``batches`` table keeps (``sources``: files and SHA-256, ``officer``,
    ``app``, ``devices``, ...). ``touched`` maps a layer to the ids the write adds,
    changes or removes, when the writer knows them (only those are compared).
    """

    command: str
    source: str = ""
    refused: dict[str, int] = field(default_factory=dict)
    batch_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    ground_date: str | None = None
    ended_on: dict[str, dict[str, str]] = field(default_factory=dict)
    kind: str = ""
    meta: dict = field(default_factory=dict)
    touched: dict[str, list[str]] | None = None
    #: layer -> the stored rows the writer read under the lock (spares a second read)
    read_under_lock: dict[str, pd.DataFrame] | None = field(default=None, repr=False)
