"""Point WKB built in bulk: byte for byte what GEOS writes, and what GDAL stores."""

from __future__ import annotations

import contextlib
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely import LineString, Point

from geoasset.store import Batch, _point_table, create_inventory
from geoasset.wkb import point_wkb

coordinate = st.floats(allow_nan=False, allow_infinity=False)
maybe_point = st.one_of(
    st.none(),
    st.just(Point()),
    st.tuples(coordinate, coordinate).map(Point),
)


@given(st.lists(maybe_point, max_size=40))
def test_bytes_equal_geos_wkb(points):
    geometries = np.array(points + [None], dtype=object)[:-1]  # keep a 1-D object array
    expected = [None if g is None else shapely.to_wkb(g, byte_order=1) for g in points]
    assert point_wkb(geometries).to_pylist() == expected


@pytest.mark.parametrize(
    "other", [Point(1, 2, 3), LineString([(0, 0), (1, 1)]), shapely.MultiPoint([(0, 0)])]
)
def test_anything_but_flat_points_is_left_to_the_general_path(other):
    assert point_wkb(np.array([Point(0, 0), other], dtype=object)) is None


def test_fast_path_stores_what_pyogrio_stores(tmp_path):
    """A pole layer written by the store (Arrow fast path) equals, blob for blob, the same
    frame written by pyogrio's general GeoDataFrame path."""
    frame = gpd.GeoDataFrame(
        {
            "pole_id": pd.Series(["P1", "P2", "P3", "P4"], dtype="str"),
            "owner": pd.Series(["<script>x</script>", '=HYPERLINK("a")', None, "é ü"], dtype="str"),
            "height_m": [9.5, np.nan, 12.0, 0.0],
            "spans": pd.array([1, None, 3, 4], dtype="Int64"),
        },
        geometry=[Point(123.6, -10.17), None, Point(), Point(-0.0, 1e-300)],
        crs=4326,
    )
    assert _point_table(frame) is not None  # the store takes its fast path for this frame
    inventory = create_inventory(tmp_path / "inventory.gpkg")
    inventory.write({"poles": frame}, batch=Batch(command="test"))
    reference = tmp_path / "reference.gpkg"
    pyogrio.write_dataframe(frame, reference, layer="poles", geometry_type="Point")

    def stored(path):
        with contextlib.closing(sqlite3.connect(path)) as con:
            columns = "fid, geom, pole_id, owner, height_m, spans"
            return con.execute(f"SELECT {columns} FROM poles ORDER BY fid").fetchall()  # noqa: S608

    assert stored(inventory.path) == stored(reference)
    back = inventory.read("poles")
    pd.testing.assert_frame_equal(
        pd.DataFrame(back.drop(columns="geometry")),
        pd.DataFrame(pyogrio.read_dataframe(reference, use_arrow=True).drop(columns="geometry")),
    )
