"""The inventory store: creation, reads through both engines, atomic writes, locking."""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import sqlite3
import subprocess
import sys
import textwrap

import fiona
import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from conftest import copy_of_empty_inventory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Point

from geoasset import spatial_index, store
from geoasset.errors import (
    InventoryError,
    InventoryLockedError,
    InventoryWriteError,
    LayerNotEmptyError,
    LayerNotFoundError,
)
from geoasset.schema import INVENTORY_LAYERS
from geoasset.store import Batch, create_inventory, open_inventory
from tests.conftest import make_poles, make_roads


def layer_digest(path, layer):
    """A digest of a layer's rows as SQLite holds them, independent of GDAL."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute(f'SELECT * FROM "{layer}" ORDER BY fid').fetchall()
    finally:
        con.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest(), len(rows)


def rtree_check(path, layer) -> str:
    """SQLite's own structural check of a layer's R-tree."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        return con.execute(f"SELECT rtreecheck('rtree_{layer}_geom')").fetchone()[0]


def index_layout(path, layer) -> dict:
    """A layer's spatial index as SQLite holds it, with the layer's name taken out."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        entries = con.execute(f'SELECT * FROM "rtree_{layer}_geom" ORDER BY id').fetchall()
        triggers = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
            "AND name LIKE 'rtree%' ORDER BY name",
            (layer,),
        ).fetchall()
        extension = con.execute(
            "SELECT column_name, extension_name, definition, scope FROM gpkg_extensions "
            "WHERE table_name = ?",
            (layer,),
        ).fetchall()
    return {
        "entries": entries,
        "triggers": [(n.replace(layer, "T"), sql.replace(layer, "T")) for n, sql in triggers],
        "extension": extension,
    }


def scattered_poles(n: int, seed: int = 3) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    geometry = list(shapely.points(rng.normal(123.6, 0.02, n), rng.normal(-10.17, 0.02, n)))
    geometry[5] = None
    geometry[7] = Point()  # empty
    return gpd.GeoDataFrame(
        {"pole_id": [f"P{i}" for i in range(n)], "owner": ["PLN"] * n},
        geometry=geometry,
        crs=4326,
    )


@pytest.mark.parametrize("make", [lambda: scattered_poles(6_000), make_roads])
def test_spatial_index_is_the_one_gdal_builds(inventory, tmp_path, make):
    """Our packed R-tree holds exactly GDAL's entries, with GDAL's triggers, and passes
    SQLite's check; GDAL reads back through it with a bounding box."""
    frame = make()
    layer = "poles" if frame.geom_type.dropna().isin(["Point"]).all() else "roads"
    inventory.write({layer: frame}, batch=Batch(command="test"))
    reference = tmp_path / "gdal.gpkg"
    pyogrio.write_dataframe(inventory.read(layer), reference, layer=layer)  # GDAL's own index
    assert rtree_check(inventory.path, layer) == "ok"
    ours, gdal = index_layout(inventory.path, layer), index_layout(reference, layer)
    assert ours["triggers"] == gdal["triggers"]
    assert ours["extension"] == gdal["extension"]
    # The same rows; each of our boxes holds its geometry and is as tight as GDAL's or
    # tighter (GDAL sometimes rounds one 32-bit step further out).
    mine, theirs = np.array(ours["entries"]), np.array(gdal["entries"])
    assert mine[:, 0].tolist() == theirs[:, 0].tolist()
    present = ~shapely.is_missing(frame.geometry.values) & ~frame.geometry.is_empty
    assert mine[:, 0].tolist() == (np.flatnonzero(present) + 1).tolist()
    true = frame.geometry[present].bounds.to_numpy()[:, [0, 2, 1, 3]]
    assert (mine[:, [1, 3]] <= true[:, [0, 2]]).all() and (mine[:, [2, 4]] >= true[:, [1, 3]]).all()
    assert (mine[:, [1, 3]] >= theirs[:, [1, 3]]).all() and (
        mine[:, [2, 4]] <= theirs[:, [2, 4]]
    ).all()
    box = (123.59, -10.18, 123.605, -10.165)
    through_index = pyogrio.read_dataframe(inventory.path, layer=layer, bbox=box)
    expected = frame[frame.intersects(shapely.box(*box))]
    id_field = "pole_id" if layer == "poles" else "road_id"
    assert sorted(through_index[id_field]) == sorted(expected[id_field])


def test_spatial_index_follows_later_edits_by_gdal(inventory):
    inventory.write({"poles": scattered_poles(3_000)}, batch=Batch(command="test"))
    extra = make_poles(1, prefix="NEW")[["pole_id", "owner"]]
    extra = gpd.GeoDataFrame(extra, geometry=[Point(124.5, -9.5)], crs=4326)
    pyogrio.write_dataframe(extra, inventory.path, layer="poles", append=True)  # triggers
    with contextlib.closing(sqlite3.connect(inventory.path)) as con:
        con.execute("DELETE FROM poles WHERE fid <= 1000")
        con.commit()
    assert rtree_check(inventory.path, "poles") == "ok"
    found = pyogrio.read_dataframe(inventory.path, layer="poles", bbox=(124.4, -9.6, 124.6, -9.4))
    assert list(found["pole_id"]) == ["NEW0"]
    everything = pyogrio.read_dataframe(inventory.path, layer="poles", bbox=(120, -12, 126, -8))
    # fids 1..1000 deleted (the null and the empty geometry among them), one added
    assert len(everything) == 3_000 - 1_000 + 1


@pytest.mark.parametrize("layer", ["survey_notes", "geom"])
def test_layers_outside_the_schema_are_indexed_too(inventory, layer):
    """A layer outside the schema gets our index when first written (another layer's,
    restated for it) and when rewritten (its own). Restating refuses a name that makes
    the trigger text ambiguous (a layer called like its geometry column)."""
    for n in (40, 70):
        inventory.write({layer: scattered_poles(n)}, batch=Batch(command="test"))
        assert rtree_check(inventory.path, layer) == "ok"
        with contextlib.closing(sqlite3.connect(inventory.path)) as con:
            (indexed,) = con.execute(f'SELECT count(*) FROM "rtree_{layer}_geom"').fetchone()
        assert indexed == n - 2  # the null and the empty geometry are not indexed
    with contextlib.closing(sqlite3.connect(inventory.path)) as con:
        template = store._index_template(con, layer, "geoasset_staging_x_" + layer)
    assert (template is None) == (layer == "geom")


def test_init_creates_every_layer_in_wgs84(inventory):
    assert set(INVENTORY_LAYERS) <= set(inventory.layers())
    for name in INVENTORY_LAYERS:
        assert pyogrio.read_info(inventory.path, layer=name)["crs"] == "EPSG:4326"
    assert inventory.metadata()["schema_version"] == "1"
    # GDAL itself (through fiona) sees the same layers.
    assert set(INVENTORY_LAYERS) <= set(fiona.listlayers(inventory.path))


def test_each_new_inventory_is_a_sound_geopackage_with_its_own_creation_time(tmp_path):
    """New inventories are copies of one GeoPackage GDAL made: each is stamped with the
    moment it was made, and writing to one leaves the other empty."""
    first, second = create_inventory(tmp_path / "a.gpkg"), create_inventory(tmp_path / "b.gpkg")
    stamps = []
    for inv in (first, second):
        with contextlib.closing(sqlite3.connect(inv.path)) as con:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            (created,) = con.execute(
                "SELECT value FROM geoasset_meta WHERE key = 'created_utc'"
            ).fetchone()
            changed = {row[0] for row in con.execute("SELECT last_change FROM gpkg_contents")}
        assert changed == {created}
        stamps.append(created)
    assert stamps[0] < stamps[1]
    first.write({"poles": make_poles(3)}, batch=Batch(command="test"))
    assert (first.count("poles"), second.count("poles")) == (3, 0)
    assert pyogrio.read_info(second.path, layer="poles")["features"] == 0


def test_init_refuses_existing_file_and_bad_names(tmp_path, inventory):
    with pytest.raises(InventoryError, match="already exists"):
        create_inventory(inventory.path)
    with pytest.raises(InventoryError, match="must be a GeoPackage"):
        create_inventory(tmp_path / "inventory.sqlite")
    with pytest.raises(InventoryError, match="does not exist"):
        create_inventory(tmp_path / "missing" / "inventory.gpkg")


def test_open_refuses_non_inventory(tmp_path):
    other = tmp_path / "other.gpkg"
    pyogrio.write_dataframe(make_poles(), other, layer="x")
    with pytest.raises(InventoryError, match="not a geoasset inventory"):
        open_inventory(other)
    junk = tmp_path / "junk.gpkg"
    junk.write_text("hello")
    with pytest.raises(InventoryError, match="not a GeoPackage"):
        open_inventory(junk)


@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
def test_round_trip_through_both_engines(inventory, poles, engine):
    inventory.write({"poles": poles}, batch=Batch(command="test"), mode="create")
    back = inventory.read("poles", engine=engine)
    assert list(back["pole_id"]) == list(poles["pole_id"])
    assert back.crs.to_epsg() == 4326
    assert back.geometry.geom_equals_exact(poles.geometry, tolerance=1e-12).all()


def test_reprojected_input_is_stored_in_wgs84(inventory, poles):
    inventory.write({"poles": poles.to_crs(32751)}, batch=Batch(command="test"))
    back = inventory.read("poles")
    assert (back.geometry.x - poles.geometry.x).abs().max() < 1e-9
    assert (back.geometry.y - poles.geometry.y).abs().max() < 1e-9


def test_create_mode_refuses_non_empty_layer_and_names_it(inventory, poles):
    inventory.write({"poles": poles}, batch=Batch(command="test"), mode="create")
    with pytest.raises(
        LayerNotEmptyError, match=r"inventory\.gpkg: layer 'poles' already has 5 rows"
    ):
        inventory.write({"poles": poles}, batch=Batch(command="test"), mode="create")


def test_append_and_replace_and_history(inventory, poles):
    inventory.write({"poles": poles}, batch=Batch(command="import", source="a.csv"), mode="create")
    more = make_poles(3, prefix="Q")
    inventory.write({"poles": more}, batch=Batch(command="import", source="b.csv"), mode="append")
    assert inventory.count("poles") == 8
    inventory.write(
        {"poles": more},
        batch=Batch(command="import", source="c.csv", refused={"poles": 2}),
        mode="replace",
    )
    assert list(inventory.read("poles")["pole_id"]) == ["Q0", "Q1", "Q2"]
    history = inventory.history()
    assert list(history["source"]) == ["a.csv", "b.csv", "c.csv"]
    assert list(history["mode"]) == ["create", "append", "replace"]
    assert list(history["rows_added"]) == [5, 3, 3]
    assert list(history["rows_replaced"]) == [0, 0, 8]
    assert list(history["rows_refused"]) == [0, 0, 2]


def test_writing_one_layer_leaves_others_untouched(inventory, poles):
    inventory.write({"poles": poles, "roads": make_roads()}, batch=Batch(command="test"))
    before = layer_digest(inventory.path, "roads")
    inventory.write({"poles": make_poles(2)}, batch=Batch(command="test"))
    assert layer_digest(inventory.path, "roads") == before


def test_spatial_index_is_maintained(inventory, poles):
    inventory.write({"poles": poles}, batch=Batch(command="test"))
    # bbox filters go through the GeoPackage R-tree; only poles 1 and 2 fall inside.
    hit = inventory.read("poles", bbox=(123.60005, -10.2, 123.00025 + 0.6, -10.1))
    assert list(hit["pole_id"]) == ["P1", "P2"]
    con = sqlite3.connect(inventory.path)
    assert con.execute("SELECT count(*) FROM rtree_poles_geom").fetchone()[0] == 5
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_failure_inside_the_swap_leaves_file_as_before(inventory, poles, monkeypatch):
    inventory.write({"poles": poles, "roads": make_roads()}, batch=Batch(command="test"))
    before = {n: layer_digest(inventory.path, n) for n in ("poles", "roads", "history")}

    def explode(con, layer):
        if layer == "roads":  # poles already swapped in this transaction
            raise KeyboardInterrupt

    monkeypatch.setattr(store, "_after_swap_hook", explode)
    with pytest.raises(KeyboardInterrupt):
        inventory.write(
            {"poles": make_poles(2), "roads": make_roads()}, batch=Batch(command="test")
        )
    after = {n: layer_digest(inventory.path, n) for n in ("poles", "roads", "history")}
    assert after == before
    assert not [
        n for n in pyogrio.list_layers(inventory.path)[:, 0] if n.startswith("geoasset_staging")
    ]


@pytest.mark.parametrize("writer", ["write_dataframe", "write_arrow"])
def test_failure_while_staging_leaves_file_as_before(inventory, poles, monkeypatch, writer):
    """The disk fills while GDAL writes the second staging table (roads go through
    ``write_dataframe``, point layers through the Arrow fast path)."""
    inventory.write({"poles": poles}, batch=Batch(command="test"))
    before = layer_digest(inventory.path, "poles")
    real = getattr(pyogrio, writer)
    calls = []

    def disk_full(*args, **kwargs):
        calls.append(kwargs["layer"])
        real(*args, **kwargs)  # the data lands in staging, then the "disk" fails
        if len(calls) == 1:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(pyogrio, writer, disk_full)
    layers = {"roads": make_roads(), "poles": make_poles(2)}
    with pytest.raises(InventoryWriteError, match="cannot write: disk full"):
        inventory.write(
            layers if writer == "write_dataframe" else dict(reversed(layers.items())),
            batch=Batch(command="test"),
        )
    monkeypatch.undo()
    assert layer_digest(inventory.path, "poles") == before
    assert inventory.count("roads") == 0
    assert not [
        n for n in pyogrio.list_layers(inventory.path)[:, 0] if n.startswith("geoasset_staging")
    ]


def test_failure_while_indexing_leaves_file_as_before(inventory, poles, monkeypatch):
    inventory.write({"poles": poles}, batch=Batch(command="test"))
    before = {n: layer_digest(inventory.path, n) for n in ("poles", "history")}

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(spatial_index, "pack_rtree", interrupted)
    with pytest.raises(KeyboardInterrupt):
        inventory.write({"poles": make_poles(3)}, batch=Batch(command="test"))
    monkeypatch.undo()
    assert {n: layer_digest(inventory.path, n) for n in ("poles", "history")} == before
    assert rtree_check(inventory.path, "poles") == "ok"
    assert not [
        n for n in pyogrio.list_layers(inventory.path)[:, 0] if n.startswith("geoasset_staging")
    ]


def test_process_killed_mid_swap_is_rolled_back(inventory, poles):
    """A real crash: the child process dies between dropping and committing."""
    inventory.write({"poles": poles}, batch=Batch(command="test"))
    before = layer_digest(inventory.path, "poles")
    child = textwrap.dedent(
        f"""
        import os
        from geoasset import store
        from tests.conftest import make_poles
        store._after_swap_hook = lambda con, layer: os._exit(137)
        store.Inventory({str(inventory.path)!r}).write(
            {{"poles": make_poles(2)}}, batch=store.Batch(command="crash"))
        """
    )
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True)
    assert result.returncode == 137, result.stderr
    # The hot journal is rolled back when the file is next opened.
    assert layer_digest(inventory.path, "poles") == before
    assert len(inventory.read("poles")) == 5
    # The stale staging table the crash left is cleaned up by the next write.
    inventory.write({"poles": make_poles(1)}, batch=Batch(command="test"))
    assert not [
        n for n in pyogrio.list_layers(inventory.path)[:, 0] if n.startswith("geoasset_staging")
    ]


def _hold_lock(path, ready, release):
    with store.Inventory(path).lock():
        ready.set()
        release.wait(10)


def test_second_writer_gets_a_clear_lock_error(inventory, poles):
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(inventory.path), ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        waiting = store.Inventory(inventory.path, lock_timeout=0.3)
        with pytest.raises(InventoryLockedError, match="locked by another process"):
            waiting.write({"poles": poles}, batch=Batch(command="test"))
    finally:
        release.set()
        holder.join(10)
    assert inventory.count("poles") == 0
    inventory.write({"poles": poles}, batch=Batch(command="test"))
    assert inventory.count("poles") == 5


def test_read_unknown_layer_names_known_ones(inventory):
    with pytest.raises(LayerNotFoundError, match="no layer 'pylons'.*poles"):
        inventory.read("pylons")


def test_attribute_tables_round_trip(inventory):
    import pandas as pd

    totals = pd.DataFrame({"corridor_id": ["C1", "C2"], "amount_rp": [1000, 2500]})
    inventory.write({"assessment_totals": totals}, batch=Batch(command="test"))
    back = inventory.read("assessment_totals")
    assert list(back["amount_rp"]) == [1000, 2500]


def geometries_near_kupang():
    coordinate = st.tuples(
        st.floats(123.5, 123.7, allow_nan=False), st.floats(-10.3, -10.1, allow_nan=False)
    )
    return st.one_of(
        st.none(),
        st.just(Point()),
        coordinate.map(Point),
        st.lists(coordinate, min_size=2, max_size=4).map(shapely.LineString),
    )


def query_area(xmin: float, ymin: float, xmax: float, ymax: float):
    """The area a bounding-box filter selects, also when the box has no width or height:
    a point or a segment (``shapely.box`` would give an empty-area polygon that intersects
    nothing)."""
    if xmin == xmax or ymin == ymax:
        if (xmin, ymin) == (xmax, ymax):
            return Point(xmin, ymin)
        return shapely.LineString([(xmin, ymin), (xmax, ymax)])
    return shapely.box(xmin, ymin, xmax, ymax)


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(geometries_near_kupang(), min_size=0, max_size=120), st.data())
def test_any_layer_written_is_indexed_soundly(
    tmp_path_factory, empty_inventory_file, geometries, data
):
    """Whatever mix of points, lines, nulls and empties a layer holds, its index passes
    SQLite's check and a bounding-box read through it equals a brute-force selection."""
    path = tmp_path_factory.mktemp("prop") / "inventory.gpkg"
    inventory = copy_of_empty_inventory(empty_inventory_file, path)
    frame = gpd.GeoDataFrame(
        {"note_id": [f"N{i}" for i in range(len(geometries))]}, geometry=geometries, crs=4326
    )
    for _ in range(2):  # the first write makes the layer (GDAL's index), the second ours
        inventory.write({"survey_notes": frame}, batch=Batch(command="test"))
    assert rtree_check(path, "survey_notes") == "ok"
    x, y = data.draw(st.floats(123.5, 123.7)), data.draw(st.floats(-10.3, -10.1))
    box = (x, y, x + data.draw(st.floats(0, 0.1)), y + data.draw(st.floats(0, 0.1)))
    found = pyogrio.read_dataframe(path, layer="survey_notes", bbox=box) if len(frame) else frame
    hit = frame.intersects(query_area(*box)).to_numpy()  # what GDAL's bbox filter keeps
    assert sorted(found["note_id"]) == sorted(frame["note_id"][hit])


def test_a_box_without_area_reads_what_touches_it(inventory):
    """A query box of no width or height (a click on the map) reads through the index the
    features that touch that point or segment: the case the property test found."""
    line = shapely.LineString([(123.5, -10.28125), (123.5, -10.25), (123.5, -10.28125)])
    frame = gpd.GeoDataFrame({"note_id": ["N0", "N1"]}, geometry=[line, Point(123.6, -10.2)])
    frame = frame.set_crs(4326)
    for _ in range(2):
        inventory.write({"survey_notes": frame}, batch=Batch(command="test"))
    for box, expected in [
        ((123.5, -10.25, 123.5, -10.25), ["N0"]),
        ((123.5, -10.3, 123.6, -10.3), []),
        ((123.5, -10.3, 123.5, -10.2), ["N0"]),
        ((123.6, -10.2, 123.6, -10.2), ["N1"]),
    ]:
        found = pyogrio.read_dataframe(inventory.path, layer="survey_notes", bbox=box)
        assert sorted(found["note_id"]) == expected, box
        assert sorted(frame["note_id"][frame.intersects(query_area(*box))]) == expected, box


@pytest.mark.parametrize(
    "kinds",
    [
        ("point", "line"),  # assessment line items: poles and pieces of cable
        ("point", "line", "multiline", "polygon"),
        ("line",),
        ("point", "multipoint"),  # pyogrio promotes these: the store leaves it to pyogrio
    ],
)
def test_derived_layers_are_stored_as_pyogrio_stores_them(inventory, tmp_path, kinds):
    """A layer outside the schema (e.g. assessment items) takes the Arrow fast path when
    its geometry is plain; the file holds what ``pyogrio.write_dataframe`` writes."""
    rng = np.random.default_rng(len(kinds))
    n = 300
    x, y = rng.normal(123.6, 0.02, n), rng.normal(-10.17, 0.02, n)
    shapes = {
        "point": lambda i: Point(x[i], y[i]),
        "multipoint": lambda i: shapely.multipoints([(x[i], y[i]), (x[i] + 1e-4, y[i])]),
        "line": lambda i: shapely.LineString([(x[i], y[i]), (x[i] + 1e-3, y[i] + 1e-3)]),
        "multiline": lambda i: shapely.MultiLineString([[(x[i], y[i]), (x[i] + 1e-3, y[i])]] * 2),
        "polygon": lambda i: shapely.box(x[i], y[i], x[i] + 1e-3, y[i] + 1e-3),
    }
    geometry = [shapes[kinds[i % len(kinds)]](i) for i in range(n)]
    geometry[3] = None
    frame = gpd.GeoDataFrame(
        {
            "item_id": np.arange(n, dtype="int64"),
            "owner": [f"owner {i % 7}" for i in range(n)],
            "amount_rp": rng.integers(0, 10**9, n),
            "quantity": rng.random(n),
        },
        geometry=geometry,
        crs=4326,
    )
    inventory.write({"assessment_items": frame}, batch=Batch(command="test"))
    plain = create_inventory(tmp_path / "plain.gpkg").path  # GDAL indexes it the same way
    pyogrio.write_dataframe(frame, plain, layer="assessment_items", use_arrow=True)

    def stored(path):
        with contextlib.closing(sqlite3.connect(path)) as con:
            kind = con.execute(
                "SELECT geometry_type_name FROM gpkg_geometry_columns "
                "WHERE table_name = 'assessment_items'"
            ).fetchone()
            rows = con.execute(
                "SELECT item_id, owner, amount_rp, quantity, geom FROM assessment_items "
                "ORDER BY fid"
            ).fetchall()
        return kind, rows

    assert stored(inventory.path) == stored(plain)
    assert rtree_check(inventory.path, "assessment_items") == "ok"
    # the index the store packed for this new layer is the one GDAL builds: same rows
    # and triggers, boxes holding their geometry, as tight as GDAL's or tighter
    ours, gdal = (
        index_layout(inventory.path, "assessment_items"),
        index_layout(plain, "assessment_items"),
    )
    assert ours["triggers"] == gdal["triggers"] and ours["extension"] == gdal["extension"]
    mine, theirs = np.array(ours["entries"]), np.array(gdal["entries"])
    assert mine[:, 0].tolist() == theirs[:, 0].tolist() == [i + 1 for i in range(n) if i != 3]
    true = frame.geometry.bounds.to_numpy()[mine[:, 0].astype(int) - 1][:, [0, 2, 1, 3]]
    assert (mine[:, [1, 3]] <= true[:, [0, 2]]).all() and (mine[:, [2, 4]] >= true[:, [1, 3]]).all()
    assert (mine[:, [1, 3]] >= theirs[:, [1, 3]]).all()
    assert (mine[:, [2, 4]] <= theirs[:, [2, 4]]).all()
    # ... and GDAL keeps it current on a later edit
    with contextlib.closing(sqlite3.connect(inventory.path)) as con:
        assert con.execute(
            "SELECT count(*) FROM rtree_assessment_items_geom WHERE id = 4"
        ).fetchone() == (0,)  # fid 4 has no geometry
    moved = frame.iloc[[0]].assign(geometry=[Point(100.0, 1.0)])
    inventory.write({"assessment_items": moved}, batch=Batch(command="test"), mode="append")
    assert rtree_check(inventory.path, "assessment_items") == "ok"
    got_box = inventory.read("assessment_items", bbox=(99.9, 0.9, 100.1, 1.1))
    assert len(got_box) == 1
    got = inventory.read("assessment_items").geometry.values[:n]  # before the appended row
    assert shapely.equals_exact(got, frame.geometry.values, 0).sum() == (
        n - 1 if "multipoint" not in kinds else n // 2 - 1  # pyogrio made points multipoints
    )
