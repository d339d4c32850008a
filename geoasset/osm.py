"""OpenStreetMap roads: the ``highway`` → roads-layer mapping, in one place.

A raw OSM roads file (an extract, an Overpass export, a shapefile of the older
"roads" extracts) says how a way looks and is used (``highway=primary``,
``residential``, ``footway`` ...), not its legal class under PP 34/2006, its function
or who administers it. :data:`HIGHWAY_CLASSES` is the documented default translation;
the importer (:func:`geoasset.ingest.import_layer`) applies it when a roads file has
OSM columns and no ``road_class`` of its own, and a CSV file
(:func:`load_osm_classes`) replaces any of its rows.

**It is an assumption.** Replace it with the road office's own classification wherever
one exists (a ``road_class`` column, or an override file).

The default mapping
-------------------

=====================================  ==============  ==========  ========
OSM ``highway``                        road_class      function    status
=====================================  ==============  ==========  ========
motorway, motorway_link                bebas_hambatan  arteri      nasional
trunk, trunk_link                      raya            arteri
primary, primary_link                  raya            arteri
secondary, secondary_link              sedang          kolektor
tertiary, tertiary_link                kecil           lokal
unclassified                           kecil           lokal
residential, living_street, service    kecil           lingkungan
road, track                            kecil
=====================================  ==============  ==========  ========

Why:

- ``motorway`` is a toll road in Indonesia (jalan tol): full access control, so
  *jalan bebas hambatan* (PP 34/2006 Pasal 31), and by UU 38/2004 Pasal 1 a toll road
  is a *jalan nasional*. No other OSM value says who administers a road, so ``status``
  (and ``network``, primer / sekunder) stay empty elsewhere.
- ``trunk`` and ``primary`` are the main non-toll roads: *jalan raya*, arteri.
  ``secondary`` connects districts: *jalan sedang*, kolektor. ``tertiary`` and below
  serve local traffic: *jalan kecil* (lokal; lingkungan for streets in a neighbourhood
  and service roads).
- ``*_link`` (slip roads, ramps) take their parent road's row: a ramp is part of the
  road it serves, on that road's land (a motorway interchange is toll-road land), and
  OSM tags links after their parent for the same reason.
- ``road`` (classification unknown) and ``track`` (farm and forest tracks, often the
  only access in rural NTT) carry vehicles, so they get the smallest class, *jalan
  kecil*, and no function.

Ways that are not taken as roads (refused with their reason, never dropped silently):

- ``footway``, ``pedestrian``, ``path``, ``cycleway``, ``steps``, ``bridleway``,
  ``corridor``, ``elevator``, ``platform``, ``via_ferrata``: no motor traffic. Every
  PP 34/2006 class is defined by its carriageway for vehicles (even *jalan kecil* has
  two lanes, ≥ 5.5 m), so these have no class and no minimum Rumija; and a sidewalk
  mapped as its own way lies inside its road's right-of-way, where a corridor of its
  own would take that road's land;
- ``busway``, ``bus_guideway``: bus-only lanes, inside the right-of-way of the road
  they run along;
- ``construction``, ``proposed``, ``planned``, ``abandoned``, ``disused``, ``razed``:
  not a road open to traffic (yet, or any longer);
- ``raceway``: a race track, not a public road.

A ``highway`` value in none of these lists (a typo, a rare tag) is refused too, naming
the value, until an override file gives it a class.

The override file
-----------------
A CSV (``,`` or ``;``) with the columns ``highway,road_class`` and optionally
``function``, ``status``, ``network``. Each row replaces the built-in row of that
``highway`` value entirely (an empty cell means "no value"); values not in the file keep
the built-in row. ``road_class`` is one of ``bebas_hambatan``, ``raya``, ``sedang``,
``kecil``, or ``exclude`` to refuse such ways. Every problem is reported with its row
and column::

    highway,road_class,function
    service,exclude,
    tertiary,sedang,kolektor

Examples
--------
>>> HIGHWAY_CLASSES["motorway_link"].road_class, HIGHWAY_CLASSES["motorway_link"].status
('bebas_hambatan', 'nasional')
>>> HIGHWAY_CLASSES["footway"].road_class is None
True
>>> classify(pd.Series(["Primary", "footway", None]))[["road_class", "function"]].values.tolist()
[['raya', 'arteri'], [None, None], [None, None]]
>>> osm_road_id(pd.Series(["123", "way/456", 789.0, None])).tolist()
['OSM-123', 'OSM-456', 'OSM-789', None]
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geoasset.errors import SchemaError, SourceError, ValidationProblem
from geoasset.schema import ROAD_CLASSES, ROAD_FUNCTIONS, ROAD_NETWORKS, ROAD_STATUSES

__all__ = [
    "HighwayClass",
    "HIGHWAY_CLASSES",
    "MAPPED_FIELDS",
    "EXCLUDE",
    "OVERRIDE_COLUMNS",
    "HIGHWAY_COLUMNS",
    "ID_COLUMNS",
    "OsmSummary",
    "load_osm_classes",
    "osm_classes",
    "classify",
    "highway_column",
    "id_column",
    "osm_road_id",
    "exclusion_message",
]


@dataclass(frozen=True)
class HighwayClass:
    """What one OSM ``highway`` value becomes in the roads layer.

    ``road_class`` is ``None`` for a way that is not taken as a road; ``excluded`` then
    says why (it goes to the rejects file).
    """

    road_class: str | None
    function: str | None = None
    status: str | None = None
    network: str | None = None
    excluded: str | None = None


#: The road fields an OSM mapping fills.
MAPPED_FIELDS = ("road_class", "function", "status", "network")
#: ``road_class`` value of an override file that refuses ways of that ``highway`` value.
EXCLUDE = "exclude"
#: Columns of an override file (the first two required).
OVERRIDE_COLUMNS = ("highway", "road_class", "function", "status", "network")

_NO_MOTOR = "not a road for motor vehicles (no PP 34/2006 class)"
_BUS = "bus-only way, inside the right-of-way of the road it runs along"
_NOT_OPEN = "not a road open to traffic (planned, under construction or abandoned)"

_TOLL = HighwayClass("bebas_hambatan", "arteri", "nasional")
_RAYA = HighwayClass("raya", "arteri")
_SEDANG = HighwayClass("sedang", "kolektor")
_LOKAL = HighwayClass("kecil", "lokal")
_LINGKUNGAN = HighwayClass("kecil", "lingkungan")
_KECIL = HighwayClass("kecil")

#: OSM ``highway`` value -> its row in the roads layer (the module text says why).
HIGHWAY_CLASSES: dict[str, HighwayClass] = {
    "motorway": _TOLL,
    "motorway_link": _TOLL,
    "trunk": _RAYA,
    "trunk_link": _RAYA,
    "primary": _RAYA,
    "primary_link": _RAYA,
    "secondary": _SEDANG,
    "secondary_link": _SEDANG,
    "tertiary": _LOKAL,
    "tertiary_link": _LOKAL,
    "unclassified": _LOKAL,
    "residential": _LINGKUNGAN,
    "living_street": _LINGKUNGAN,
    "service": _LINGKUNGAN,
    "road": _KECIL,
    "track": _KECIL,
    **{
        value: HighwayClass(None, excluded=_NO_MOTOR)
        for value in (
            "footway",
            "pedestrian",
            "path",
            "cycleway",
            "steps",
            "bridleway",
            "corridor",
            "elevator",
            "platform",
            "via_ferrata",
        )
    },
    "busway": HighwayClass(None, excluded=_BUS),
    "bus_guideway": HighwayClass(None, excluded=_BUS),
    **{
        value: HighwayClass(None, excluded=_NOT_OPEN)
        for value in ("construction", "proposed", "planned", "abandoned", "disused", "razed")
    },
    "raceway": HighwayClass(None, excluded="a race track, not a public road"),
}

#: Normalised column names that hold the OSM ``highway`` value: ``highway``, or ``type``
#: as in the older OSM roads extracts (``TYPE``), which counts only when its values are
#: OSM ``highway`` values (see :func:`highway_column`).
HIGHWAY_COLUMNS = ("highway", "type")
#: Normalised column names that hold the OSM way id, in order of preference
#: (``@id`` of an Overpass export normalises to ``id``).
ID_COLUMNS = ("osm_id", "osm_way_id", "id")
#: Share of a ``type`` column's non-empty values that must be known ``highway`` values.
TYPE_COLUMN_SHARE = 0.9

#: Why a way with an unmapped / no ``highway`` value is refused.
UNKNOWN = "not in the OSM mapping (give it a road_class in an OSM classes file)"
NO_HIGHWAY = "no highway value: not a road"

_OSM_ID = re.compile(r"^(?:way/|w)?(\d+)(?:\.0*)?$")


def _norm(name) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


# -- the override file ---------------------------------------------------------------


def load_osm_classes(path: str | os.PathLike) -> dict[str, HighwayClass]:
    """Read an override file; return the rows it gives (``highway`` -> class).

    Use :func:`osm_classes` for the built-in mapping with the file's rows in place.

    Raises
    ------
    SourceError
        The file cannot be read.
    SchemaError
        Every problem of the file, each naming the row (1 = first data row) and column.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "osm_classes.csv")
    >>> _ = open(path, "w").write("highway,road_class\\nservice,exclude\\ntrack,lebar\\n")
    >>> load_osm_classes(path)
    Traceback (most recent call last):
    ...
    geoasset.errors.SchemaError: 1 problem(s) in osm_classes.csv:
      osm_classes.csv row 2 field 'road_class': unknown road class 'lebar' (known: bebas_hambatan, raya, sedang, kecil, or exclude)
    """
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such OSM classes file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder, not an OSM classes file") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read OSM classes file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: OSM classes file is not UTF-8 text ({exc.reason})") from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise SchemaError(
            name,
            [ValidationProblem(None, None, "file is empty: expected a header highway,road_class")],
        )
    first = next(line for line in lines if line.strip())
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = [r for r in csv.reader(lines, delimiter=delimiter)]
    start = next(i for i, r in enumerate(rows) if any(c.strip() for c in r))
    header = [c.strip().lower() for c in rows[start]]
    problems: list[ValidationProblem] = []
    for column in ("highway", "road_class"):
        if column not in header:
            problems.append(
                ValidationProblem(None, column, f"column is missing (header is {rows[start]!r})")
            )
    for column in sorted({c for c in header if header.count(c) > 1}):
        problems.append(ValidationProblem(None, column, "column appears twice in the header row"))
    for column in header:
        if column not in OVERRIDE_COLUMNS:
            problems.append(
                ValidationProblem(
                    None,
                    column or "(empty)",
                    f"unknown column (columns: {', '.join(OVERRIDE_COLUMNS)})",
                )
            )
    if problems:
        raise SchemaError(name, problems)
    position = {c: header.index(c) for c in header}
    allowed = {"function": ROAD_FUNCTIONS, "status": ROAD_STATUSES, "network": ROAD_NETWORKS}
    out: dict[str, HighwayClass] = {}
    first_row: dict[str, int] = {}
    for number, cells in enumerate(rows[start + 1 :], start=1):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.append(
                ValidationProblem(
                    number, None, f"has {len(cells)} values but the header has {len(header)}"
                )
            )
            continue
        value = {c: (cells[i].strip() if i < len(cells) else "") for c, i in position.items()}
        row_problems = []
        highway = value["highway"].lower()
        if not highway:
            row_problems.append(ValidationProblem(number, "highway", "highway value is empty"))
        elif not re.fullmatch(r"[a-z0-9_:]+", highway):
            row_problems.append(
                ValidationProblem(
                    number,
                    "highway",
                    f"{value['highway']!r} is not an OSM highway value (e.g. primary, track)",
                )
            )
        elif highway in first_row:
            row_problems.append(
                ValidationProblem(
                    number,
                    "highway",
                    f"{highway!r} is given again (first at row {first_row[highway]})",
                )
            )
        road_class = value["road_class"].lower()
        if not road_class:
            row_problems.append(
                ValidationProblem(
                    number, "road_class", f"road class is empty (use one of {_classes_text()})"
                )
            )
        elif road_class not in (*ROAD_CLASSES, EXCLUDE):
            row_problems.append(
                ValidationProblem(
                    number,
                    "road_class",
                    f"unknown road class {value['road_class']!r} (known: {_classes_text()})",
                )
            )
        fields = {}
        for column, choices in allowed.items():
            given = value.get(column, "").lower()
            if not given:
                fields[column] = None
            elif road_class == EXCLUDE:
                row_problems.append(
                    ValidationProblem(
                        number, column, f"an excluded highway takes no {column} (got {given!r})"
                    )
                )
            elif given not in choices:
                row_problems.append(
                    ValidationProblem(
                        number,
                        column,
                        f"unknown {column} {value[column]!r} (known: {', '.join(choices)})",
                    )
                )
            else:
                fields[column] = given
        if highway and highway not in first_row:
            first_row[highway] = number
        if row_problems:
            problems += row_problems
            continue
        if road_class == EXCLUDE:
            out[highway] = HighwayClass(
                None, excluded=f"road_class {EXCLUDE!r} in {name} row {number}"
            )
        else:
            out[highway] = HighwayClass(road_class, **fields)
    if problems:
        raise SchemaError(name, problems)
    return out


def _classes_text() -> str:
    return f"{', '.join(ROAD_CLASSES)}, or {EXCLUDE}"


def osm_classes(
    override: str | os.PathLike | Mapping[str, HighwayClass] | None = None,
) -> dict[str, HighwayClass]:
    """The built-in mapping with the rows of ``override`` (a file or a mapping) in place."""
    classes = dict(HIGHWAY_CLASSES)
    if override is None:
        return classes
    if isinstance(override, (str, os.PathLike)):
        override = load_osm_classes(override)
    for highway, value in override.items():
        if not isinstance(value, HighwayClass):
            raise TypeError(f"osm classes[{highway!r}] must be a HighwayClass, not {value!r}")
        classes[str(highway).strip().lower()] = value
    return classes


# -- applying it ---------------------------------------------------------------------


def classify(highway: pd.Series, classes: Mapping[str, HighwayClass] | None = None) -> pd.DataFrame:
    """The roads-layer values of each way from its ``highway`` value.

    Returns a frame on ``highway``'s index with columns ``highway`` (normalised:
    lower case, stripped; ``None`` when empty), :data:`MAPPED_FIELDS` and ``excluded``
    (the reason a way is not taken as a road, else ``None``). Values are matched
    case-insensitively.
    """
    classes = HIGHWAY_CLASSES if classes is None else classes
    values = pd.Series(
        [None if (t := _text(v)) is None else t.lower() for v in highway],
        index=highway.index,
        dtype=object,
    )
    distinct = {v for v in values if v is not None}
    table = {}
    for value in distinct:
        entry = classes.get(value)
        if entry is None:
            entry = HighwayClass(None, excluded=UNKNOWN)
        table[value] = entry
    empty = HighwayClass(None, excluded=NO_HIGHWAY)
    rows = [empty if v is None else table[v] for v in values]
    out = pd.DataFrame(
        {
            "highway": values,
            **{f: [getattr(r, f) for r in rows] for f in MAPPED_FIELDS},
            "excluded": [r.excluded for r in rows],
        },
        index=highway.index,
        dtype=object,
    )
    return out


def highway_column(
    frame: pd.DataFrame,
    columns: Iterable[str] | None = None,
    classes: Mapping[str, HighwayClass] | None = None,
) -> str | None:
    """The column of ``frame`` holding OSM ``highway`` values, or ``None``.

    A column named ``highway`` (case-insensitive) counts whatever it holds; a column
    named ``type`` only when at least 90 % of its non-empty values are known ``highway``
    values (``classes``, default the built-in mapping), so that a field file's own
    ``type`` column is not mistaken for OSM.
    """
    classes = HIGHWAY_CLASSES if classes is None else classes
    columns = list(frame.columns if columns is None else columns)
    normal = {c: _norm(c) for c in columns}
    for column, n in normal.items():
        if n == "highway":
            return column
    for column, n in normal.items():
        if n != "type":
            continue
        values = frame[column].dropna().astype(str).str.strip().str.lower()
        values = values[values != ""]
        if len(values) and values.isin(list(classes)).mean() >= TYPE_COLUMN_SHARE:
            return column
    return None


def id_column(columns: Iterable[str]) -> str | None:
    """The column holding the OSM way id (``osm_id``, ``osm_way_id``, ``id``, ``@id``)."""
    normal = {c: _norm(c) for c in columns}
    for wanted in ID_COLUMNS:
        for column, n in normal.items():
            if n == wanted:
                return column
    return None


def osm_road_id(ids: pd.Series) -> pd.Series:
    """``OSM-<id>`` from OSM way ids (``123``, ``123.0``, ``way/123``, ``w123``).

    Empty values stay ``None`` (the importer assigns an id); any other text is kept
    after ``OSM-`` with ``/`` written as ``-``.
    """

    def one(value):
        text = _text(value)
        if text is None:
            return None
        match = _OSM_ID.match(text)
        return f"OSM-{match[1]}" if match else "OSM-" + text.replace("/", "-")

    return pd.Series([one(v) for v in ids], index=ids.index, dtype=object)


def exclusion_message(highway: str | None, reason: str) -> str:
    """The reject reason of a way the mapping does not take as a road.

    Examples
    --------
    >>> exclusion_message("raceway", HIGHWAY_CLASSES["raceway"].excluded)
    "highway 'raceway' excluded: a race track, not a public road"
    """
    return reason if not highway else f"highway {highway!r} excluded: {reason}"


# -- what an import did --------------------------------------------------------------


@dataclass
class OsmSummary:
    """What the OSM mapping did to one file: ways per ``highway`` value and class."""

    highway_column: str
    id_column: str | None
    mapping: str  # "built-in" or the override file's name
    ways: dict[str, int] = field(default_factory=dict)  # highway value ('' = none) -> ways
    classes: dict[str, HighwayClass] = field(default_factory=dict)  # value -> its row
    excluded_rows: set[int] = field(default_factory=set)  # source rows refused by the mapping

    @classmethod
    def from_classified(
        cls,
        classified: pd.DataFrame,
        rows: np.ndarray,
        *,
        highway_column: str,
        id_column: str | None,
        mapping: str,
    ) -> OsmSummary:
        values = classified["highway"].fillna("")
        ways = values.value_counts().to_dict()
        first = ~values.duplicated()
        classes = {
            value: HighwayClass(
                *(classified.loc[index, f] for f in MAPPED_FIELDS),
                excluded=classified.loc[index, "excluded"],
            )
            for value, index in zip(values[first], classified.index[first], strict=True)
        }
        excluded = set(np.asarray(rows)[classified["excluded"].notna().to_numpy()].tolist())
        return cls(highway_column, id_column, mapping, ways, classes, excluded)

    @property
    def per_class(self) -> dict[str, int]:
        """road_class -> ways, in the order of the classes (excluded ways not counted)."""
        counts = dict.fromkeys(ROAD_CLASSES, 0)
        for value, n in self.ways.items():
            road_class = self.classes[value].road_class
            if road_class is not None:
                counts[road_class] += n
        return {c: n for c, n in counts.items() if n}

    @property
    def excluded(self) -> int:
        return len(self.excluded_rows)

    def lines(self) -> list[str]:
        """A few lines for the user: the mapping used and what it did, per value."""
        source = "the built-in mapping" if self.mapping == "built-in" else self.mapping
        ids = f"ids from {self.id_column!r}" if self.id_column else "no id column"
        out = [
            f"OpenStreetMap roads: highway from column {self.highway_column!r}, "
            f"classes from {source}, {ids}"
        ]
        width = max(len("highway"), *(len(v or "(empty)") for v in self.ways))
        out.append(f"  {'highway':<{width}}  {'ways':>6}  road_class      function    status")
        order = sorted(
            self.ways, key=lambda v: (self.classes[v].road_class is None, -self.ways[v], v)
        )
        for value in order:
            entry = self.classes[value]
            label = value or "(empty)"
            if entry.road_class is None:
                tail = f"excluded: {entry.excluded}"
            else:
                tail = f"{entry.road_class:<14}  {entry.function or '':<10}  {entry.status or ''}"
            out.append(f"  {label:<{width}}  {self.ways[value]:>6}  {tail.rstrip()}")
        classes = ", ".join(f"{c} {n}" for c, n in self.per_class.items()) or "none"
        out.append(f"  ways per road_class: {classes}; excluded {self.excluded}")
        return out
