"""Quality rules for a right-of-way inventory: one small function per rule.

:func:`run_qa` runs the rules of :data:`RULES` over a dict of inventory frames (the
inventory layers, plus ``corridors`` when they were built) and returns one finding per
problem: the layer, the asset's id, the rule, its severity (``"error"`` or
``"warning"``), a message naming the layer, row and field and quoting the value, and the
asset's geometry in EPSG:4326. :func:`summarise_findings` counts them per rule;
:func:`geoasset.jobs.check_quality` reads an inventory GeoPackage, runs the rules and
stores the ``qa_findings`` and ``qa_summary`` layers in one write. The rules themselves
are in :mod:`geoasset.qa_rules`, their frame in :mod:`geoasset.qa_core`.

Distances are measured in a metric CRS (:func:`geoasset.crs.metric_crs`: the UTM zone of
the whole inventory's centre unless the caller names one), never in degrees. Pair
searches use a shapely ``STRtree``, so the rules scale to a province's inventory.

Rules
-----
invalid_geometry (error)
    Missing, empty or invalid geometry, with shapely's reason.
duplicate_id (error)
    An id used by more than one row of a layer.
missing_owner (error)
    A pole or utility line without an owner (who would be billed?).
corridors_in_degrees (error)
    Corridors computed in a geographic CRS: their widths and areas are degrees, not
    metres. Refused outright; :func:`run_qa` itself refuses a geographic ``crs``.
line_crossing_without_permit (error)
    A utility line crossing a road centreline without a ``permit_no``. A line whose
    crossing point lies within :data:`CROSSING_END_TOLERANCE_M` of its own end ends on
    the road (a service drop digitised a little past the centreline); it does not cross.
road_without_land (warning)
    A road that has a centreline but no corridor: its right-of-way lies wholly in the
    land of other roads. The message names the road that holds the land and why (a
    certified parcel, a wider road, a nearer centreline, or the same line digitised twice),
    as :func:`geoasset.corridors.landless_roads` works it out.
corridor_cut_fallback (warning)
    A corridor whose boundary with another road could not be cut exactly in floating point
    and was cut snapped to a fine grid instead (still a partition, billed once); the
    corridor's ``note`` names the other road and the place. Worth a look in QGIS: such
    cuts come from ways that nearly coincide (a road digitised twice, say).
asset_outside_row (warning)
    A pole, utility line, bridge or monument touching no right-of-way corridor. It is not
    billable, so it is either mislocated or not on road land; the message gives the
    distance to the nearest corridor. Without a corridors layer, one warning says so.
pole_too_close (warning)
    A pole nearer than ``min_pole_offset_m`` to a road centreline. Permen PU
    20/PRT/M/2010 places utilities inside the Rumaja more than 1 m beyond the shoulder or
    sidewalk, an edge the inventory does not record; the default of
    :data:`DEFAULT_MIN_POLE_OFFSET_M` (2 m from the centreline) is therefore not law but a
    conservative default the user can change: closer than that, a pole stands on the
    travelled way of any two-lane road, or its position is wrong.
near_duplicate_pole (warning)
    Two poles of the same owner (compared without case and surrounding blanks) less
    than ``near_duplicate_m`` apart: most likely one pole surveyed twice.
bridge_without_condition (warning)
    A bridge without a BMS condition value (``condition_nk``).

Examples
--------
>>> import geopandas as gpd
>>> from shapely import Point
>>> poles = gpd.GeoDataFrame({"pole_id": ["P1", "P1"], "owner": ["PLN", None]},
...                          geometry=[Point(123.6, -10.17), Point(123.7, -10.17)], crs=4326)
>>> findings = run_qa({"poles": poles}, rules=["duplicate_id", "missing_owner"])
>>> findings[["asset_id", "rule", "severity"]].values.tolist()
[['P1', 'duplicate_id', 'error'], ['P1', 'duplicate_id', 'error'], ['P1', 'missing_owner', 'error']]
>>> print(findings.message.iloc[2])
layer 'poles' row 2, id 'P1': field 'owner' is empty
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geoasset import qa_rules  # noqa: F401  (registers the rules in RULES)
from geoasset.crs import require_metric
from geoasset.qa_core import (
    _METRIC_CACHE,
    DEFAULT_MIN_POLE_OFFSET_M,
    DEFAULT_NEAR_DUPLICATE_M,
    FINDINGS_COLUMNS,
    FINDINGS_LAYER,
    RULES,
    SEVERITIES,
    SUMMARY_LAYER,
    QAParams,
    Rule,
    _empty_findings,
    _inventory_crs,
    _layer,
)

__all__ = [
    "DEFAULT_MIN_POLE_OFFSET_M",
    "DEFAULT_NEAR_DUPLICATE_M",
    "FINDINGS_COLUMNS",
    "FINDINGS_LAYER",
    "SEVERITIES",
    "SUMMARY_LAYER",
    "QAParams",
    "QAReport",
    "RULES",
    "Rule",
    "check_rule_names",
    "run_qa",
    "summarise_findings",
]


# -- running and summarising -------------------------------------------------------------


def check_rule_names(rules: Iterable[str] | None) -> list[str]:
    if rules is None:
        return list(RULES)
    if isinstance(rules, str):
        rules = [rules]
    names = list(dict.fromkeys(rules))
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise ValueError(f"unknown rule {unknown[0]!r}; rules are: {', '.join(RULES)}")
    return [n for n in RULES if n in names]


def run_qa(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    rules: Iterable[str] | None = None,
    min_pole_offset_m: float = DEFAULT_MIN_POLE_OFFSET_M,
    near_duplicate_m: float = DEFAULT_NEAR_DUPLICATE_M,
    crs=None,
) -> gpd.GeoDataFrame:
    """Run quality rules over inventory frames.

    Parameters
    ----------
    frames
        Layer name -> GeoDataFrame (any CRS): the inventory layers (``roads``,
        ``poles``, ``utility_lines``, ``bridges``, ``monuments``, ``parcels``) and
        ``corridors`` if they were built. Absent layers are skipped; values that are not
        GeoDataFrames are ignored.
    rules
        Names from :data:`RULES` to run; all of them by default.
    min_pole_offset_m
        Minimum distance of a pole from a road centreline (rule ``pole_too_close``).
    near_duplicate_m
        Poles of one owner nearer than this are reported (``near_duplicate_pole``).
    crs
        Projected CRS in metres to measure in; default: the UTM zone of the centre of
        the inventory. A geographic CRS raises :class:`~geoasset.errors.CRSError`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``layer, asset_id, rule, severity, message, geometry`` (EPSG:4326), one
        row per finding, rules in :data:`RULES` order.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> bridges = gpd.GeoDataFrame({"bridge_id": ["B1"], "condition_nk": [None]},
    ...                            geometry=[Point(123.6, -10.17)], crs=4326)
    >>> run_qa({"bridges": bridges}, rules=["bridge_without_condition"]).severity.tolist()
    ['warning']
    >>> run_qa({"bridges": bridges}, crs="EPSG:4326")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoasset.errors.CRSError: EPSG:4326 (WGS 84) is geographic (degrees); ...
    """
    names = check_rule_names(rules)
    for label, value in (
        ("min_pole_offset_m", min_pole_offset_m),
        ("near_duplicate_m", near_duplicate_m),
    ):
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            raise ValueError(f"{label} must be a number of metres >= 0, not {value!r}")
    measure_in = require_metric(crs) if crs is not None else None
    normalised = {}
    for name in frames:
        frame = _layer(frames, name)
        if frame is not None:
            normalised[name] = frame
    if measure_in is None:
        measure_in = _inventory_crs(normalised)
    params = QAParams(
        min_pole_offset_m=float(min_pole_offset_m),
        near_duplicate_m=float(near_duplicate_m),
        crs=measure_in,
    )
    try:
        parts = [RULES[name].function(normalised, params) for name in names]
    finally:
        _METRIC_CACHE.clear()
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_findings()
    out = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326)[list(FINDINGS_COLUMNS)]


def summarise_findings(
    findings: pd.DataFrame, *, rules: Iterable[str] | None = None
) -> pd.DataFrame:
    """Count findings per rule and severity.

    Parameters
    ----------
    findings
        The output of :func:`run_qa`.
    rules
        Rule names to list with a count of 0 when they found nothing (e.g. the rules that
        were run), so the summary shows every check made.

    Examples
    --------
    >>> import pandas as pd
    >>> findings = pd.DataFrame({"rule": ["missing_owner", "missing_owner"],
    ...                          "severity": ["error", "error"]})
    >>> summarise_findings(findings, rules=["missing_owner", "duplicate_id"]).values.tolist()
    [['duplicate_id', 'error', 0], ['missing_owner', 'error', 2]]
    """
    counts = findings.groupby(["rule", "severity"], sort=False).size()
    rows = {key: int(n) for key, n in counts.items()}
    found = {rule for rule, _ in rows}
    for name in check_rule_names(rules) if rules is not None else []:
        if name not in found:
            rows[(name, RULES[name].severity)] = 0
    order = {name: k for k, name in enumerate(RULES)}
    keys = sorted(rows, key=lambda k: (order.get(k[0], len(order)), k[0], SEVERITIES.index(k[1])))
    return pd.DataFrame(
        {
            "rule": pd.Series([k[0] for k in keys], dtype="str"),
            "severity": pd.Series([k[1] for k in keys], dtype="str"),
            "count": pd.Series([rows[k] for k in keys], dtype="int64"),
        }
    )


@dataclass
class QAReport:
    """The findings of a quality check and their summary."""

    findings: gpd.GeoDataFrame
    summary: pd.DataFrame

    @property
    def errors(self) -> int:
        return int((self.findings["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.findings["severity"] == "warning").sum())
