"""A field survey applied to a layer as one batch: new ids added, known ids updated,
ids marked removed retired (``geoasset import INVENTORY LAYER FILE --update``).

Rows are matched to the layer by id:

* an id the layer does not have (or no id) is **added** (an id is given where missing,
  never one a retired asset had);
* a known id is **updated**: the values the survey gives replace the stored ones (an
  empty cell keeps the stored value); a position farther than ``tolerance_m`` from the
  stored one **moves** the asset (its chainage fields are cleared until the next
  ``locate``), a nearer one is GPS noise and keeps the stored position; ``surveyed_on``
  keeps the first survey's date (billing starts there), the batch keeps this one's;
* a row whose ``status`` says the asset is gone (``removed``, ``dibongkar``, ``dicabut``,
  ``hilang``, ``tidak ada``) or that has a ``removed_on`` date **retires** that id: it
  leaves the layer and its last day on the ground is ``removed_on`` (else the day
  before the survey). Such a row needs only the id.

Rows are validated as for an import; duplicate ids within the file are refused with
both rows named. ``dry_run`` returns the changes without writing anything. The batch
records the source file and its SHA-256, the officer, the survey app, devices and
dates (:mod:`geoasset.history`); the versions are written in the same transaction as
the layer, so an interrupted update leaves the inventory as it was.

Examples
--------
>>> import os, tempfile
>>> from geoasset.store import create_inventory
>>> folder = tempfile.mkdtemp()
>>> inv = create_inventory(os.path.join(folder, "k.gpkg"))
>>> first = os.path.join(folder, "s1.csv")
>>> _ = open(first, "w").write("pole_id,owner,lat,lon,surveyed_on\\n"
...     "P1,PLN,-10.17,123.6,2025-11-01\\nP2,PLN,-10.171,123.6,2025-11-01\\n")
>>> survey_update(inv.path, "poles", first).summary()
's1.csv -> poles (survey of 2025-11-01): 2 added, 0 moved, 0 changed, 0 removed, 0 unchanged'
>>> second = os.path.join(folder, "s2.csv")
>>> _ = open(second, "w").write("pole_id,owner,lat,lon,status,surveyed_on\\n"
...     "P1,Telkom,-10.17,123.6,,2026-06-30\\nP2,,,,removed,2026-06-30\\n")
>>> report = survey_update(inv.path, "poles", second, dry_run=True)
>>> report.changes[["asset_id", "change", "detail"]].values.tolist()
[['P1', 'changed', 'owner: PLN -> Telkom'], ['P2', 'removed', 'last day 2026-06-29']]
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geoasset.column_mapping import _check_mapping, _norm, map_columns
from geoasset.errors import SchemaError, ValidationProblem
from geoasset.history import _column_hash, date_field, file_record, hashed_columns, iso_dates
from geoasset.history_read import day_before
from geoasset.schema import CHAINAGE_FIELDS, LayerSpec, layer_spec
from geoasset.sources import _read
from geoasset.store import Batch, Inventory, open_inventory
from geoasset.validate import ROW_COLUMN, assign_ids, validate_layer

__all__ = ["SurveyReport", "survey_update", "REMOVED_WORDS"]

log = logging.getLogger(__name__)

#: values of a ``status`` column saying the asset is no longer on the ground
REMOVED_WORDS = ("removed", "retired", "dibongkar", "bongkar", "dicabut", "hilang", "tidak_ada")
_STATUS_NAMES = ("status", "keadaan", "survey_status")
_REMOVED_ON_NAMES = ("removed_on", "tanggal_bongkar", "dibongkar_pada", "removal_date")
_CLEARED_ON_MOVE = tuple(f.name for f in CHAINAGE_FIELDS) + ("sta_from_m", "sta_to_m")
_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass
class SurveyReport:
    """What :func:`survey_update` found (and, unless a dry run, wrote).

    ``changes``: one row per asset that changes: ``layer, asset_id, change`` (``added``,
    ``moved``, ``changed``, ``moved+changed``, ``removed``), ``detail``, ``moved_m``,
    ``source_row``.
    """

    source: str
    layer: str
    ground_date: str
    rows_read: int
    rows_refused: int
    changes: pd.DataFrame
    unchanged: int
    problems: list[ValidationProblem] = field(default_factory=list)
    rejects_path: Path | None = None
    batch_id: str | None = None
    written: bool = False
    meta: dict = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        kinds = ("added", "moved", "changed", "removed")
        found = self.changes["change"].value_counts().to_dict() if len(self.changes) else {}
        out = {k: int(found.get(k, 0)) for k in kinds}
        both = int(found.get("moved+changed", 0))
        out["moved"] += both
        out["changed"] += both
        return out

    def summary(self) -> str:
        c = self.counts()
        text = (
            f"{Path(self.source).name} -> {self.layer} (survey of {self.ground_date}): "
            f"{c['added']} added, {c['moved']} moved, {c['changed']} changed, "
            f"{c['removed']} removed, {self.unchanged} unchanged"
        )
        if self.rows_refused:
            text += f", {self.rows_refused} refused"
        return text


def survey_update(
    inventory_path: str | os.PathLike | Inventory,
    layer: str,
    source: str | os.PathLike,
    *,
    mapping: Mapping[str, str] | None = None,
    x: str | None = None,
    y: str | None = None,
    crs=None,
    source_layer: str | None = None,
    encoding: str | None = None,
    tolerance_m: float = 2.0,
    surveyed_on=None,
    officer: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    fix: bool = False,
    rejects_path: str | os.PathLike | None = None,
) -> SurveyReport:
    """Apply a field survey to ``layer`` as one batch (see the module docstring).

    Parameters
    ----------
    tolerance_m
        A surveyed position nearer than this to the stored one is GPS noise, not a move.
    surveyed_on
        The survey's date (the batch's ground date); default the latest ``surveyed_on``
        of the file's rows, else the app's last submission, else today.
    officer
        Who made the survey, for the batch record (default: the app's submitters).
    dry_run
        Return the changes, write nothing (no layer, no history, no rejects file).
    """
    from geoasset.ingest import _require_columns, _write_rejects, default_rejects_path

    spec = layer_spec(layer)
    inv = (
        inventory_path if isinstance(inventory_path, Inventory) else open_inventory(inventory_path)
    )
    source = Path(source)
    mapping = _check_mapping(mapping, spec, source.name)
    rejects = Path(rejects_path) if rejects_path else default_rejects_path(inv.path, source, layer)
    src = _read(source, spec=spec, source_layer=source_layer, x=x, y=y, crs=crs, encoding=encoding)
    raw = src.frame
    geometry_name = raw.geometry.name
    attributes = [c for c in raw.columns if c not in (geometry_name, ROW_COLUMN, *src.consumed)]
    renames = map_columns(attributes, spec, mapping=mapping, source=src.name)
    frame = raw[[*attributes, geometry_name]].rename(columns=renames)
    frame = frame.set_geometry(raw.geometry.values, crs=raw.crs).reset_index(drop=True)
    rows = raw[ROW_COLUMN].to_numpy()
    status_col = _named(frame.columns, _STATUS_NAMES)
    removed_col = _named(frame.columns, _REMOVED_ON_NAMES)
    gone = np.zeros(len(frame), dtype=bool)
    if status_col is not None:
        words = frame[status_col].astype("str").map(_norm, na_action="ignore")
        gone |= words.isin(REMOVED_WORDS).to_numpy()
    if removed_col is not None:
        gone |= (
            frame[removed_col].notna().to_numpy()
            & (frame[removed_col].astype("str").str.strip() != "").to_numpy()
        )
    control = [c for c in (status_col, removed_col) if c is not None]
    removals = frame[gone]
    survey = frame[~gone].drop(columns=control).reset_index(drop=True)
    survey_rows = rows[~gone]
    if len(survey):
        _require_columns(src, spec, {c: c for c in survey.columns}, list(survey.columns))
    result = validate_layer(survey, spec, source=src.name, row_numbers=survey_rows, fix=fix)
    removal_rows = set(rows[gone].tolist())
    problems = [p for p in src.problems if p.row not in removal_rows]
    coordinate_rows = {p.row for p in problems}
    problems += [
        p for p in result.problems if not (p.field == "geometry" and p.row in coordinate_rows)
    ]
    removal_problems, ended = _removals(removals, rows[gone], spec, removed_col, src.name)
    problems += removal_problems
    ground = _ground_date(surveyed_on, result.valid, spec, src)
    meta = _meta(source, src, officer, tolerance_m, len(raw))

    with inv.transaction() if not dry_run else contextlib.nullcontext():
        current = inv.read(layer) if inv.has_layer(layer) else None
        if current is None or not len(current.columns):
            from geoasset.empty_inventory import empty_layer

            current = empty_layer(layer)
        stored = pd.Index(current[spec.id_field].astype("str"))
        known = stored.isin([asset for asset, _ in ended.values()])
        known = set(stored[known])
        for row, (asset, _) in ended.items():
            if asset not in known:
                problems.append(
                    ValidationProblem(row, spec.id_field, f"id {asset!r} is not in layer {layer!r}")
                )
        problems.sort(key=lambda p: p.row or 0)
        refused = {p.row for p in problems}
        if strict and problems:
            raise SchemaError(src.name, problems)
        valid = result.valid
        valid_rows = np.asarray(survey_rows)[~np.isin(survey_rows, list(refused))]
        if "photo" in valid.columns:
            from geoasset.ingest import rebase_photo_paths

            valid["photo"] = rebase_photo_paths(valid["photo"], source=source, inventory=inv.path)
        removed = {a: d for r, (a, d) in ended.items() if r not in refused}
        new_frame, changes, unchanged = _apply(
            inv, spec, current, valid, valid_rows, removed, ground, tolerance_m
        )
        report = SurveyReport(
            source=str(source),
            layer=layer,
            ground_date=ground,
            rows_read=len(raw),
            rows_refused=len(refused),
            changes=changes,
            unchanged=unchanged,
            problems=problems,
            meta=meta,
        )
        if dry_run:
            return report
        if refused:
            _write_rejects(rejects, src, problems, refused)
            report.rejects_path = rejects
        if len(changes):
            batch = Batch(
                command="import --update",
                source=source.name,
                refused={layer: len(refused)},
                ground_date=ground,
                ended_on={layer: {a: d for a, d in removed.items()}},
                kind="survey",
                meta=meta,
                touched={layer: changes["asset_id"].astype(str).tolist()},
                read_under_lock={layer: current},
            )
            inv.write({layer: new_frame}, batch=batch, mode="replace")
            report.batch_id = batch.batch_id
            report.written = True
    log.info("%s", report.summary())
    return report


def _named(columns, names) -> str | None:
    for column in columns:
        if _norm(column) in names:
            return column
    return None


def _removals(removals, rows, spec: LayerSpec, removed_col, source: str):
    """Problems of removal rows, and row -> (asset id, last day on the ground or None)."""
    problems, ended = [], {}
    for (_, row), number in zip(removals.iterrows(), rows, strict=True):
        asset = row.get(spec.id_field)
        if asset is None or pd.isna(asset) or not str(asset).strip():
            problems.append(
                ValidationProblem(int(number), spec.id_field, "a removed asset needs its id")
            )
            continue
        last = None
        if removed_col is not None and pd.notna(row[removed_col]) and str(row[removed_col]).strip():
            text = iso_dates([row[removed_col]])[0]
            try:
                last = date.fromisoformat(str(text)).isoformat()
            except ValueError:
                from geoasset.tariffs import parse_date

                try:
                    last = parse_date(row[removed_col]).isoformat()
                except ValueError:
                    problems.append(
                        ValidationProblem(
                            int(number), removed_col, f"{row[removed_col]!r} is not a date"
                        )
                    )
                    continue
        ended[int(number)] = (str(asset).strip(), last)
    return problems, ended


def _ground_date(surveyed_on, valid: pd.DataFrame, spec: LayerSpec, src) -> str:
    if surveyed_on is not None:
        from geoasset.tariffs import parse_date

        return parse_date(surveyed_on).isoformat()
    dates = date_field(spec.name)
    if dates and dates in valid and len(valid):
        found = [d for d in iso_dates(valid[dates]) if d]
        if found:
            return max(found)
    app = getattr(src, "app", None)
    if app is not None and app.meta.get("submitted_to"):
        return str(app.meta["submitted_to"])[:10]
    return datetime.now(UTC).date().isoformat()


def _meta(source: Path, src, officer, tolerance_m, rows) -> dict:
    meta: dict = {"sources": [file_record(source)], "tolerance_m": tolerance_m, "rows": rows}
    app = getattr(src, "app", None)
    if app is not None:
        meta.update({k: v for k, v in app.meta.items() if k not in ("sources",)})
        meta["app_columns"] = ", ".join(map(str, app.app_columns))
    if officer:
        meta["officer"] = officer
    elif app is not None and app.meta.get("surveyors"):
        meta["officer"] = app.meta["surveyors"]
    return meta


def _apply(inv, spec, current, valid, valid_rows, removed, ground, tolerance_m):
    """The layer after the survey, the changes, and how many surveyed assets stay as
    they were."""
    current = current.reset_index(drop=True)
    ids = current[spec.id_field].astype("str")
    valid = valid.reset_index(drop=True)
    given = valid[spec.id_field].astype("str").str.strip()
    given = given.where(valid[spec.id_field].notna() & (given != ""))
    at = pd.Index(ids).get_indexer(given)
    new = at < 0
    matched = np.flatnonzero(~new)
    pos = at[matched]
    changes = []
    updated = current.copy()

    # attributes the survey gives (a missing value keeps the stored one)
    compared = [
        c
        for c in hashed_columns([c for c in valid.columns if c != "geometry"], spec)
        if c in valid.columns
    ]
    kinds = {f.name: f.type for f in spec.fields}
    changed_fields: list[list[str]] = [[] for _ in range(len(matched))]
    for name in compared:
        kind = kinds.get(name, "str")
        new_hash, new_missing = _column_hash(valid[name].iloc[matched], kind)
        if name in current.columns:
            old_hash, old_missing = _column_hash(current[name].iloc[pos], kind)
        else:
            old_hash, old_missing = np.zeros(len(pos), "uint64"), np.ones(len(pos), bool)
        differ = ~new_missing & (old_missing | (old_hash != new_hash))
        for i in np.flatnonzero(differ):
            old_value = None if old_missing[i] else current[name].iloc[pos[i]]
            changed_fields[i].append(
                f"{name}: {_shown(old_value)} -> {_shown(valid[name].iloc[matched[i]])}"
            )
        if differ.any():
            if name not in updated.columns:
                updated[name] = pd.Series([None] * len(updated), dtype=valid[name].dtype)
            column = updated[name].copy()
            column.iloc[pos[differ]] = valid[name].iloc[matched[differ]].to_numpy()
            updated[name] = column

    old_geom = np.asarray(current.geometry.values)[pos]
    new_geom = np.asarray(valid.geometry.values)[matched]
    distance = _distance_m(old_geom, new_geom)
    moved = distance > tolerance_m
    if moved.any():
        geometry = np.asarray(updated.geometry.values).copy()
        geometry[pos[moved]] = new_geom[moved]
        updated = updated.set_geometry(gpd.GeoSeries(geometry, crs=updated.crs))
        for name in _CLEARED_ON_MOVE:
            if name in updated.columns and name != spec.id_field:
                column = updated[name].copy()
                column.iloc[pos[moved]] = None
                updated[name] = column
    unchanged = 0
    for i, p in enumerate(pos):
        fields = changed_fields[i]
        if moved[i] and fields:
            kind = "moved+changed"
        elif moved[i]:
            kind = "moved"
        elif fields:
            kind = "changed"
        else:
            unchanged += 1
            continue
        detail = "; ".join(([f"moved {distance[i]:.1f} m"] if moved[i] else []) + fields)
        changes.append(
            (spec.name, ids.iloc[p], kind, detail, float(distance[i]), int(valid_rows[matched[i]]))
        )

    # removals
    keep = np.ones(len(updated), dtype=bool)
    gone = list(removed)
    where = pd.Index(ids).get_indexer(gone) if len(gone) else np.zeros(0, dtype=int)
    for asset, at_ in zip(gone, where, strict=True):
        last = removed[asset]
        if at_ >= 0:
            keep[at_] = False
            changes.append(
                (
                    spec.name,
                    asset,
                    "removed",
                    f"last day {last or day_before(ground)}",
                    np.nan,
                    None,
                )
            )
    updated = updated[keep]

    # additions
    added = valid.iloc[np.flatnonzero(new)]
    if len(added):
        if added[spec.id_field].isna().any():  # ids to give: never one a retired asset had
            added = assign_ids(added, spec, existing_ids=[*ids, *_history_ids(inv, spec.name)])
        for i, asset in zip(np.flatnonzero(new), added[spec.id_field], strict=True):
            changes.append((spec.name, asset, "added", "", np.nan, int(valid_rows[i])))
        updated = _concat(updated, added)
    frame = pd.DataFrame(
        changes, columns=["layer", "asset_id", "change", "detail", "moved_m", "source_row"]
    )
    frame["source_row"] = frame["source_row"].astype("Int64")
    for asset, last in removed.items():
        removed[asset] = last or day_before(ground)
    return (
        gpd.GeoDataFrame(updated, geometry=updated.geometry.name, crs=4326),
        frame.reset_index(drop=True),
        unchanged,
    )


def _shown(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "(empty)"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


def _distance_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Metres between representative points of two geometry arrays (geodesic)."""
    if not len(a):
        return np.zeros(0)
    pa_ = shapely.point_on_surface(a)
    pb = shapely.point_on_surface(b)
    xa, ya = shapely.get_x(pa_), shapely.get_y(pa_)
    xb, yb = shapely.get_x(pb), shapely.get_y(pb)
    bad = np.isnan(xa) | np.isnan(xb)
    _, _, distance = _GEOD.inv(
        np.where(bad, 0, xa), np.where(bad, 0, ya), np.where(bad, 0, xb), np.where(bad, 0, yb)
    )
    distance = np.asarray(distance, dtype=float)
    distance[bad] = np.inf
    return distance


def _history_ids(inv, layer: str) -> list[str]:
    from geoasset.gpkg_tables import _table_exists
    from geoasset.history import VERSIONS_TABLE

    with contextlib.closing(inv._connect()) as con:
        if not _table_exists(con, VERSIONS_TABLE):
            return []
        return [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT asset_id FROM {VERSIONS_TABLE} WHERE layer = ?",  # noqa: S608
                (layer,),  # noqa: S608
            )
        ]


def _concat(current: gpd.GeoDataFrame, added: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    added = added.to_crs(4326)
    if current.geometry.name != added.geometry.name:
        added = added.rename_geometry(current.geometry.name)
    for name in current.columns:
        if name in added.columns and added[name].dtype != current[name].dtype:
            with contextlib.suppress(TypeError, ValueError):
                added[name] = added[name].astype(current[name].dtype)
    frames = [f for f in (current, added) if len(f)]
    if not frames:
        return current
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry=current.geometry.name, crs=4326)
