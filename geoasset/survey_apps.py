"""Exports of field survey apps, read as plain tables: KoBoToolbox and ODK Central.

Survey apps add their own columns to every submission (who, when, which device, the
submission's uuid) and write the location in their own way. This module recognises an
export by those columns and returns the layer's columns with a WGS 84 location, and the
app's columns set aside for the batch record, so that an import needs no ``--x/--y`` and
no mapping and the layer never gains an app column.

=================  =======================================  ===============================
app                location columns                         app columns (examples)
=================  =======================================  ===============================
KoBoToolbox        ``_<q>_latitude``, ``_<q>_longitude``;   ``start``, ``end``, ``_uuid``,
(XLSX/CSV)         (JSON: ``_geolocation`` = [lat, lon])    ``_submission_time``, ``_id``
ODK Central        ``<group>-<q>-Latitude``,                ``SubmissionDate``, ``KEY``,
(CSV, zip)         ``<group>-<q>-Longitude``                ``meta-instanceID``, ``DeviceID``
QField             the GeoPackage's own geometry            (none: a ``DCIM/`` folder of
(GeoPackage)                                                photos beside it)
=================  =======================================  ===============================

Group prefixes (``grp/owner`` in KoBoToolbox, ``grp-owner`` in ODK Central) are removed
from question names. Photos are file names; ODK Central's zip carries them in ``media/``.

>>> frame = pd.DataFrame({"_lokasi_latitude": [-10.17], "_lokasi_longitude": [123.6],
...                       "owner": ["PLN"], "_uuid": ["a1"], "start": ["2026-07-01T08:00"]})
>>> export = survey_table(frame)
>>> export.app, list(export.frame.columns), export.app_columns
('kobotoolbox', ['owner', 'lon', 'lat'], ['_uuid', 'start'])
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: columns KoBoToolbox adds to an export (besides the location parts)
KOBO_META = (
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "phonenumber",
    "audit",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_version_",
    "_tags",
    "_index",
    "_parent_index",
    "_attachments",
    "_geolocation",
    "_xform_id_string",
    "meta/instanceID",
    "meta/rootUuid",
    "meta/deprecatedID",
    "formhub/uuid",
)
#: columns ODK Central adds to a CSV export
ODK_META = (
    "SubmissionDate",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
    "start",
    "end",
    "today",
    "deviceid",
    "meta-instanceID",
    "meta-instanceName",
    "meta-audit",
)

_KOBO_LOCATION = re.compile(r"^_(?P<q>.+)_(?P<part>latitude|longitude|altitude|precision)$")
_ODK_LOCATION = re.compile(r"^(?P<q>.+)-(?P<part>Latitude|Longitude|Altitude|Accuracy)$")


@dataclass
class SurveyTable:
    """An app export as a table of layer columns plus ``lon``/``lat``."""

    app: str
    frame: pd.DataFrame
    location: str
    app_columns: list[str] = field(default_factory=list)
    #: summary of the app columns for the batch record (devices, submitters, time span)
    meta: dict[str, str] = field(default_factory=dict)


def _kobo_locations(columns) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for column in columns:
        match = _KOBO_LOCATION.match(str(column))
        if match:
            found.setdefault(match["q"], {})[match["part"]] = column
    return {q: parts for q, parts in found.items() if {"latitude", "longitude"} <= set(parts)}


def _odk_locations(columns) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for column in columns:
        match = _ODK_LOCATION.match(str(column))
        if match:
            found.setdefault(match["q"], {})[match["part"].lower()] = column
    return {q: parts for q, parts in found.items() if {"latitude", "longitude"} <= set(parts)}


def detect_app(columns) -> str | None:
    """``"kobotoolbox"``, ``"odk_central"`` or ``None`` from the header of a table.

    >>> detect_app(["SubmissionDate", "g-lokasi-Latitude", "g-lokasi-Longitude", "KEY"])
    'odk_central'
    >>> detect_app(["lat", "lon", "owner"]) is None
    True
    """
    names = [str(c) for c in columns]
    if "_geolocation" in names or (_kobo_locations(names) and "_uuid" in names):
        return "kobotoolbox"
    if _odk_locations(names) and ("KEY" in names or "meta-instanceID" in names):
        return "odk_central"
    return None


def _question(name: str, separator: str) -> str:
    return name.rsplit(separator, 1)[-1]


def _summary(frame: pd.DataFrame, app: str) -> dict[str, str]:
    pick = {
        "kobotoolbox": {
            "submitted": "_submission_time",
            "devices": "deviceid",
            "surveyors": "_submitted_by",
        },
        "odk_central": {
            "submitted": "SubmissionDate",
            "devices": "DeviceID",
            "surveyors": "SubmitterName",
        },
    }[app]
    meta = {"app": app, "submissions": str(len(frame))}
    if pick["submitted"] in frame:
        times = frame[pick["submitted"]].dropna().astype(str).sort_values()
        if len(times):
            meta["submitted_from"], meta["submitted_to"] = times.iloc[0], times.iloc[-1]
    for key in ("devices", "surveyors"):
        column = pick[key]
        if column in frame:
            values = sorted({str(v) for v in frame[column].dropna() if str(v).strip()})
            meta[key] = "; ".join(values)
    return meta


def survey_table(frame: pd.DataFrame, *, location: str | None = None) -> SurveyTable | None:
    """The layer columns and ``lon``/``lat`` of an app export, or ``None`` if ``frame`` is
    not one. ``location`` names the geopoint question when a form has several."""
    app = detect_app(frame.columns)
    if app is None:
        return None
    if app == "kobotoolbox":
        locations, meta_columns, separator = _kobo_locations(frame.columns), KOBO_META, "/"
    else:
        locations, meta_columns, separator = _odk_locations(frame.columns), ODK_META, "-"
    if "_geolocation" in frame.columns and not locations:
        pairs = frame["_geolocation"].map(
            lambda v: list(v) if isinstance(v, list | tuple) else [None, None]
        )
        lat = pairs.map(lambda v: v[0])
        lon = pairs.map(lambda v: v[1])
        chosen = "_geolocation"
        location_parts: set[str] = {"_geolocation"}
    else:
        chosen = _choose(locations, location)
        parts = locations[chosen]
        lat, lon = frame[parts["latitude"]], frame[parts["longitude"]]
        location_parts = set(parts.values())
    question = _question(chosen, separator)
    drop = location_parts | {c for c in frame.columns if c in meta_columns}
    # The geopoint's own text column ("lat lon alt acc") duplicates the parts.
    drop |= {c for c in frame.columns if _question(str(c), separator) == question}
    other_locations = {c for q, p in locations.items() if q != chosen for c in p.values()}
    drop |= other_locations
    app_columns = [c for c in frame.columns if c in drop and c not in location_parts]
    kept = [c for c in frame.columns if c not in drop and not str(c).endswith("_URL")]
    table = frame[kept].copy()
    table.columns = [_question(str(c), separator) for c in kept]
    duplicated = table.columns[table.columns.duplicated()].tolist()
    if duplicated:
        raise ValueError(
            f"questions {', '.join(map(repr, duplicated))} appear in two groups; "
            "rename one in the form"
        )
    table["lon"] = pd.to_numeric(lon, errors="coerce").to_numpy() if len(frame) else []
    table["lat"] = pd.to_numeric(lat, errors="coerce").to_numpy() if len(frame) else []
    return SurveyTable(
        app=app,
        frame=table,
        location=question,
        app_columns=app_columns,
        meta=_summary(frame, app),
    )


def _choose(locations: dict[str, dict[str, str]], wanted: str | None) -> str:
    if wanted is not None:
        for name in locations:
            if (
                name == wanted
                or name.rsplit("/", 1)[-1] == wanted
                or name.rsplit("-", 1)[-1] == wanted
            ):
                return name
        raise ValueError(f"no location question {wanted!r}; the export has {', '.join(locations)}")
    if len(locations) > 1:
        raise ValueError(
            f"the export has {len(locations)} location questions ({', '.join(locations)}); "
            "name the one to use"
        )
    return next(iter(locations))


# -- export files: KoBoToolbox JSON, ODK Central's submissions zip, QField -------------

#: suffixes of the photo files survey apps attach
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".webp")


def read_export_file(path: Path) -> tuple[pd.DataFrame, str] | None:
    """The submissions table of an app export held in a container, or ``None``.

    * KoBoToolbox JSON: a list of submissions (or ``{"results": [...]}``), keys as in the
      CSV export (``group/question``, ``_uuid``, ``_geolocation`` = [lat, lon]);
    * ODK Central ``submissions.csv.zip``: the form's main CSV (the one with ``KEY`` and
      no ``PARENT_KEY``); its ``media/`` photos are unpacked beside the zip into
      ``<zip name>.media/`` and the photo cells point there.

    Returns ``(table, app)``.
    """
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _kobo_json(path)
    if suffix == ".zip":
        return _odk_zip(path)
    return None


def _kobo_json(path: Path) -> tuple[pd.DataFrame, str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if not isinstance(data, list) or not data or not all(isinstance(r, dict) for r in data):
        return None
    table = pd.DataFrame(data)
    if detect_app(table.columns) != "kobotoolbox":
        return None
    for column in table.columns:
        if (
            column != "_geolocation"
            and table[column].map(lambda v: isinstance(v, list | dict)).any()
        ):
            table[column] = table[column].map(
                lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
            )
    return table, "kobotoolbox"


def _odk_zip(path: Path) -> tuple[pd.DataFrame, str] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            tables = [
                n for n in names if n.lower().endswith(".csv") and not n.startswith("__MACOSX")
            ]
            if not tables:
                return None
            chosen = None
            for name in sorted(tables, key=len):
                header = archive.read(name)[:65536].decode("utf-8-sig", errors="replace")
                first = header.splitlines()[0] if header else ""
                columns = [c.strip('"') for c in first.split(",")]
                if "KEY" in columns and "PARENT_KEY" not in columns:
                    chosen = name
                    break
            if chosen is None:
                return None
            table = pd.read_csv(
                io.BytesIO(archive.read(chosen)), dtype="str", keep_default_na=False, na_values=[""]
            )
            if detect_app(table.columns) != "odk_central":
                return None
            media = {Path(n).name: n for n in names if "/media/" in f"/{n}" and not n.endswith("/")}
            wanted = {v for c in table.columns for v in table[c].dropna().astype(str) if v in media}
            folder = path.with_name(f"{path.name}.media")
            for name in sorted(wanted):
                target = folder / name
                if not target.exists():
                    folder.mkdir(exist_ok=True)
                    target.write_bytes(archive.read(media[name]))
            for column in table.columns:
                values = table[column]
                hits = values.isin(wanted)
                if hits.any():
                    table[column] = values.where(~hits, folder.name + "/" + values)
    except zipfile.BadZipFile:
        return None
    return table, "odk_central"


def link_photos(table: pd.DataFrame, folder: Path) -> pd.DataFrame:
    """Photo cells naming a file found under ``folder`` (beside the export, or in its
    ``attachments/``, ``media/``, ``DCIM/`` subfolders) point to it, relative to ``folder``.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "attachments" / "a1").mkdir(parents=True)
    >>> _ = (root / "attachments" / "a1" / "p.jpg").write_bytes(b"jpg")
    >>> link_photos(pd.DataFrame({"photo": ["p.jpg", "x.jpg"]}), root)["photo"].tolist()
    ['attachments/a1/p.jpg', 'x.jpg']
    """
    found: dict[str, str] | None = None
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or str(values.dtype) in ("str", "string"):
            text = values.dropna().astype(str)
            photos = text[text.str.lower().str.endswith(PHOTO_SUFFIXES)]
            if not len(photos):
                continue
            if found is None:
                found = _photo_files(folder)
            linked = {
                p: found.get(Path(p).name, p) for p in photos.unique() if not (folder / p).is_file()
            }
            if linked:
                out[column] = values.map(
                    lambda v, m=linked: m.get(v, v) if isinstance(v, str) else v
                )
    return out


def _photo_files(folder: Path, limit: int = 200_000) -> dict[str, str]:
    files: dict[str, str] = {}
    for sub in ("", "attachments", "media", "DCIM", "photos"):
        base = folder / sub if sub else folder
        if not base.is_dir():
            continue
        pattern = "*" if not sub else "**/*"
        for n, item in enumerate(base.glob(pattern)):
            if n > limit:
                break
            if item.is_file() and item.suffix.lower() in PHOTO_SUFFIXES:
                files.setdefault(item.name, item.relative_to(folder).as_posix())
    return files


def qfield_meta(path: Path) -> SurveyTable | None:
    """A GeoPackage QField packaged or synchronised: a ``DCIM/`` folder beside it (the
    photos its fields name, relative to the GeoPackage), or a QGIS project."""
    folder = path.parent
    if path.suffix.lower() != ".gpkg":
        return None
    dcim = folder / "DCIM"
    projects = list(folder.glob("*.qgs")) + list(folder.glob("*.qgz"))
    if not dcim.is_dir() and not projects:
        return None
    photos = (
        sum(1 for p in dcim.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)
        if dcim.is_dir()
        else 0
    )
    meta = {"app": "qfield", "photos": str(photos)}
    if projects:
        meta["project"] = projects[0].name
    return SurveyTable(app="qfield", frame=pd.DataFrame(), location="geometry", meta=meta)
