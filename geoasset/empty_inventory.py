"""The empty inventory: every layer of the schema, a metadata table and a history table.

GDAL makes the GeoPackage once per process (it takes about a tenth of a second to create
the tables); each new inventory is a copy of those bytes, stamped with its own creation
time.

>>> import sqlite3, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "new.gpkg")
>>> with open(path, "wb") as f:
...     _ = f.write(empty_geopackage())
>>> con = sqlite3.connect(path)
>>> con.execute("SELECT value FROM geoasset_meta WHERE key = 'schema_version'").fetchone()
('1',)
>>> con.close()
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geoasset.batches import HISTORY_COLUMNS
from geoasset.gpkg_tables import _now
from geoasset.schema import INVENTORY_LAYERS, LAYERS, PANDAS_DTYPES, SCHEMA_VERSION

__all__ = ["HISTORY_TABLE", "META_TABLE", "STORE_CRS", "empty_geopackage", "empty_layer"]

META_TABLE = "geoasset_meta"
HISTORY_TABLE = "history"
STORE_CRS = "EPSG:4326"


def empty_layer(name: str) -> gpd.GeoDataFrame:
    """An empty GeoDataFrame with the columns and dtypes of inventory layer ``name``.

    >>> empty_layer("poles").crs.to_epsg(), len(empty_layer("poles"))
    (4326, 0)
    """
    spec = LAYERS[name]
    columns = {f.name: pd.Series([], dtype=PANDAS_DTYPES[f.type]) for f in spec.fields}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=STORE_CRS))


@functools.cache
def empty_geopackage() -> bytes:
    """The bytes of an empty inventory GeoPackage, made by GDAL on the first call."""
    with tempfile.TemporaryDirectory(prefix="geoasset-") as folder:
        path = Path(folder) / "empty.gpkg"
        for name in INVENTORY_LAYERS:
            kind = LAYERS[name].storage_geometry_type
            pyogrio.write_dataframe(
                empty_layer(name),
                path,
                layer=name,
                driver="GPKG",
                geometry_type=kind,
                promote_to_multi=kind.startswith("Multi"),
                use_arrow=True,
            )
        meta = pd.DataFrame(
            {
                "key": ["schema_version", "created_utc", "generator"],
                "value": [str(SCHEMA_VERSION), _now(), "geoasset"],
            }
        )
        pyogrio.write_dataframe(meta, path, layer=META_TABLE, driver="GPKG")
        history = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in HISTORY_COLUMNS.items()})
        pyogrio.write_dataframe(history, path, layer=HISTORY_TABLE, driver="GPKG")
        return path.read_bytes()
