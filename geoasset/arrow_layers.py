"""Layers handed to GDAL as Arrow tables, with their WKB built in bulk.

pyogrio turns each geometry into WKB one object at a time; for point layers and derived
layers with plain column types the store builds the WKB column in bulk
(:mod:`geoasset.wkb`) and passes an Arrow table to ``pyogrio.write_arrow``. The tests
check the result against GDAL's own output, byte for byte.

>>> import geopandas as gpd
>>> from shapely import Point
>>> frame = gpd.GeoDataFrame({"pole_id": ["P1"]}, geometry=[Point(1, 2)], crs=4326)
>>> _point_table(frame).column_names
['pole_id', 'geometry']
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from geoasset.wkb import geometry_wkb, point_wkb

__all__: list[str] = []


# Column types the Arrow fast path passes straight to GDAL; anything else (objects,
# time zones, categories) takes pyogrio's general conversion.
_PLAIN_DTYPES = ("str", "string", "float64", "Int64", "int64", "bool", "date32[day][pyarrow]")


def _arrow_table(frame: gpd.GeoDataFrame, wkb_of=geometry_wkb) -> pa.Table | None:
    """A layer as an Arrow table with its WKB built in bulk, or None if not plain.

    Equivalent to what ``pyogrio.write_dataframe`` hands GDAL, a second faster at a
    million poles or line items (see :mod:`geoasset.wkb`).
    """
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if any(str(dtype) not in _PLAIN_DTYPES for dtype in attributes.dtypes):
        return None
    wkb = wkb_of(np.asarray(frame.geometry.values))
    if wkb is None:
        return None
    table = pa.Table.from_pandas(attributes, preserve_index=False)
    return table.append_column("geometry", wkb)


def _point_table(frame: gpd.GeoDataFrame) -> pa.Table | None:
    """A point layer as an Arrow table (:func:`_arrow_table` with point WKB only)."""
    return _arrow_table(frame, point_wkb)


#: shapely geometry type ids -> the layer geometry types pyogrio names them by
_TYPE_NAMES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint"}
_TYPE_NAMES |= {5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


def _geometry_type(geometries: np.ndarray) -> str | None:
    """The layer geometry type pyogrio infers for 2-D ``geometries`` (one type: its name;
    several: ``Unknown``), or None where pyogrio would convert them (single and multi
    of a kind are promoted to multi) or they are 3-D: pyogrio then writes the layer."""
    present = geometries[~shapely.is_missing(geometries)]
    if shapely.has_z(present[~shapely.is_empty(present)]).any():
        return None
    counts = np.bincount(shapely.get_type_id(present), minlength=8)
    kinds = {_TYPE_NAMES.get(int(k)) for k in np.flatnonzero(counts)}
    if None in kinds:
        return None
    if len(kinds) == 1:
        return kinds.pop()
    for single in ("Point", "LineString", "Polygon"):
        if kinds == {single, f"Multi{single}"}:
            return None
    return "Unknown"
