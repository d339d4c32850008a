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

import re
from dataclasses import dataclass, field

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
