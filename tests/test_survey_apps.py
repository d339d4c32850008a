"""Exports of KoBoToolbox and ODK Central read as layer columns plus a WGS 84 location."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoasset.survey_apps import detect_app, survey_table


def kobo_export() -> pd.DataFrame:
    """Columns as KoBoToolbox writes them for a form with a geopoint ``lokasi`` in a group."""
    return pd.DataFrame(
        {
            "start": ["2026-07-01T08:00:00.000+08:00", "2026-07-01T08:05:00.000+08:00"],
            "end": ["2026-07-01T08:03:00.000+08:00", "2026-07-01T08:09:00.000+08:00"],
            "today": ["2026-07-01", "2026-07-01"],
            "deviceid": ["collect:AbC", "collect:XyZ"],
            "tiang/lokasi": ["-10.1701 123.6012 35 4.5", "-10.1702 123.6013 36 3.9"],
            "_tiang/lokasi_latitude": [-10.1701, -10.1702],
            "_tiang/lokasi_longitude": [123.6012, 123.6013],
            "_tiang/lokasi_altitude": [35.0, 36.0],
            "_tiang/lokasi_precision": [4.5, 3.9],
            "tiang/owner": ["PLN", "Telkom"],
            "tiang/kind": ["electric", "telecom"],
            "photo": ["1719792000.jpg", ""],
            "photo_URL": ["https://kf.example/1719792000.jpg", ""],
            "_id": [101, 102],
            "_uuid": ["u-1", "u-2"],
            "_submission_time": ["2026-07-01T00:04:00", "2026-07-01T00:10:00"],
            "_validation_status": ["", ""],
            "_notes": ["", ""],
            "_status": ["submitted_via_web", "submitted_via_web"],
            "_submitted_by": ["surveyor1", "surveyor2"],
            "__version__": ["vAbc", "vAbc"],
            "_tags": ["", ""],
            "_index": [1, 2],
        }
    )


def odk_export() -> pd.DataFrame:
    """Columns as ODK Central's submissions.csv writes them (group ``tiang``)."""
    return pd.DataFrame(
        {
            "SubmissionDate": ["2026-07-02T01:00:00.000Z"],
            "start": ["2026-07-02T08:50:00.000+08:00"],
            "end": ["2026-07-02T08:55:00.000+08:00"],
            "tiang-lokasi-Latitude": [-10.18],
            "tiang-lokasi-Longitude": [123.62],
            "tiang-lokasi-Altitude": [40.0],
            "tiang-lokasi-Accuracy": [5.0],
            "tiang-owner": ["PLN"],
            "tiang-height_m": [9.0],
            "photo": ["1719882000000.jpg"],
            "meta-instanceID": ["uuid:abc"],
            "KEY": ["uuid:abc"],
            "SubmitterID": [5],
            "SubmitterName": ["surveyor3"],
            "AttachmentsPresent": [1],
            "AttachmentsExpected": [1],
            "Status": [""],
            "ReviewState": [""],
            "DeviceID": ["collect:QQ"],
            "Edits": [0],
            "FormVersion": ["1"],
        }
    )


def test_kobo_export_keeps_layer_columns_and_sets_app_columns_aside():
    export = survey_table(kobo_export())
    assert export.app == "kobotoolbox" and export.location == "lokasi"
    assert list(export.frame.columns) == ["owner", "kind", "photo", "lon", "lat"]
    np.testing.assert_array_equal(export.frame["lat"], [-10.1701, -10.1702])
    np.testing.assert_array_equal(export.frame["lon"], [123.6012, 123.6013])
    assert "_uuid" in export.app_columns and "start" in export.app_columns
    assert not any(c.endswith("_URL") for c in export.frame.columns)
    assert export.meta["devices"] == "collect:AbC; collect:XyZ"
    assert export.meta["surveyors"] == "surveyor1; surveyor2"
    assert export.meta["submitted_from"] == "2026-07-01T00:04:00"


def test_odk_central_export():
    export = survey_table(odk_export())
    assert export.app == "odk_central" and export.location == "lokasi"
    assert list(export.frame.columns) == ["owner", "height_m", "photo", "lon", "lat"]
    assert (export.frame.loc[0, "lon"], export.frame.loc[0, "lat"]) == (123.62, -10.18)
    assert {"KEY", "SubmissionDate", "DeviceID"} <= set(export.app_columns)
    assert export.meta == {
        "app": "odk_central",
        "submissions": "1",
        "submitted_from": "2026-07-02T01:00:00.000Z",
        "submitted_to": "2026-07-02T01:00:00.000Z",
        "devices": "collect:QQ",
        "surveyors": "surveyor3",
    }


def test_kobo_json_geolocation_is_latitude_first():
    records = pd.DataFrame(
        [{"owner": "PLN", "_geolocation": [-10.5, 123.4], "_uuid": "u", "tiang/kind": "other"}]
    )
    export = survey_table(records)
    assert export.app == "kobotoolbox"
    assert (export.frame.loc[0, "lon"], export.frame.loc[0, "lat"]) == (123.4, -10.5)
    assert list(export.frame.columns) == ["owner", "kind", "lon", "lat"]


def test_plain_tables_are_not_app_exports():
    assert detect_app(["lat", "lon", "owner"]) is None
    assert survey_table(pd.DataFrame({"lintang": [1.0], "bujur": [2.0]})) is None
    # a column that only looks like KoBo's, without its submission ids
    assert detect_app(["_x_latitude", "_x_longitude"]) is None


def test_two_location_questions_need_a_choice():
    frame = kobo_export()
    frame["_akhir_latitude"], frame["_akhir_longitude"] = -10.0, 123.0
    with pytest.raises(ValueError, match="2 location questions"):
        survey_table(frame)
    export = survey_table(frame, location="akhir")
    assert export.location == "akhir" and export.frame["lat"].tolist() == [-10.0, -10.0]
    assert "_tiang/lokasi_latitude" not in export.frame.columns


def test_same_question_in_two_groups_is_refused():
    frame = kobo_export()
    frame["lain/owner"] = "x"
    with pytest.raises(ValueError, match="'owner'"):
        survey_table(frame)


def test_unreadable_coordinates_become_missing_not_zero():
    frame = odk_export()
    frame["tiang-lokasi-Latitude"] = ["abc"]
    export = survey_table(frame)
    assert np.isnan(export.frame.loc[0, "lat"])


# -- imports of app exports, files built here with each app's own conventions ----------


def _import(inventory, path, *extra):
    from click.testing import CliRunner

    from geoasset.cli.main import cli

    result = CliRunner().invoke(cli, ["import", str(inventory.path), "poles", str(path), *extra])
    assert result.exit_code == 0, result.output
    return result


def _batch(inventory) -> dict:
    import sqlite3

    with sqlite3.connect(inventory.path) as con:
        con.row_factory = sqlite3.Row
        row = con.execute("SELECT * FROM batches ORDER BY recorded_at DESC LIMIT 1").fetchone()
        return dict(row)


APP_COLUMNS = {"start", "end", "today", "deviceid", "_uuid", "_id", "_submission_time", "KEY",
               "SubmissionDate", "DeviceID", "meta-instanceID", "SubmitterName", "_index"}  # fmt: skip


def _no_app_columns(stored: pd.DataFrame) -> None:
    names = set(stored.columns)
    assert not names & APP_COLUMNS, names & APP_COLUMNS
    assert not [n for n in names if "latitude" in n.lower() or "longitude" in n.lower()]


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_kobo_export_imports_without_options_photos_linked(tmp_path, inventory, form):
    folder = tmp_path / "kobo"
    (folder / "attachments" / "u-1").mkdir(parents=True)
    (folder / "attachments" / "u-1" / "1719792000.jpg").write_bytes(b"\xff\xd8jpeg")
    export = kobo_export()
    if form == "xlsx":
        path = folder / "tiang_2026-07-01.xlsx"
        export.to_excel(path, index=False)
    else:  # KoBoToolbox writes CSV with ';' by default
        path = folder / "tiang_2026-07-01.csv"
        export.to_csv(path, index=False, sep=";")
    _import(inventory, path)
    stored = inventory.read("poles")
    _no_app_columns(stored)
    assert stored["owner"].tolist() == ["PLN", "Telkom"]
    assert stored["pole_id"].tolist() == ["POLE-000001", "POLE-000002"]
    assert [(round(g.x, 4), round(g.y, 4)) for g in stored.geometry] == [
        (123.6012, -10.1701),
        (123.6013, -10.1702),
    ]
    photo = stored["photo"].iloc[0]
    assert photo == "kobo/attachments/u-1/1719792000.jpg"
    assert (inventory.path.parent / photo).is_file()
    batch = _batch(inventory)
    assert batch["app"] == "kobotoolbox" and batch["devices"] == "collect:AbC; collect:XyZ"
    assert batch["officer"] == "surveyor1; surveyor2"
    assert '"file": "' + path.name + '"' in batch["sources"]
    assert "_uuid" in batch["meta"]


def test_kobo_json_export_geolocation_latitude_first(tmp_path, inventory):
    import json

    records = [
        {"tiang/owner": "PLN", "tiang/kind": "electric", "_geolocation": [-10.17, 123.61],
         "_uuid": "u-9", "_submission_time": "2026-07-03T02:00:00", "_attachments": [],
         "_submitted_by": "surveyor1"},
    ]  # fmt: skip
    path = tmp_path / "tiang.json"
    path.write_text(json.dumps({"count": 1, "results": records}), encoding="utf-8")
    _import(inventory, path)
    stored = inventory.read("poles")
    _no_app_columns(stored)
    assert "_attachments" not in stored.columns
    assert (stored.geometry.x[0], stored.geometry.y[0]) == (123.61, -10.17)
    assert _batch(inventory)["app"] == "kobotoolbox"


def _odk_zip(path, export: pd.DataFrame) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tiang_survei.csv", export.to_csv(index=False))
        archive.writestr("tiang_survei-foto_tambahan.csv", "PARENT_KEY,KEY,foto\n")
        archive.writestr("media/1719882000000.jpg", b"\xff\xd8jpeg")


def test_odk_central_zip_imports_with_media_linked(tmp_path, inventory):
    export = odk_export()
    export["tiang-pole_id"] = ["T-7"]
    path = tmp_path / "submissions.csv.zip"
    _odk_zip(path, export)
    _import(inventory, path)
    stored = inventory.read("poles")
    _no_app_columns(stored)
    assert stored["pole_id"].tolist() == ["T-7"] and stored["height_m"].tolist() == [9.0]
    photo = stored["photo"].iloc[0]
    assert photo == "submissions.csv.zip.media/1719882000000.jpg"
    assert (inventory.path.parent / photo).read_bytes() == b"\xff\xd8jpeg"
    batch = _batch(inventory)
    assert (batch["app"], batch["devices"], batch["officer"]) == (
        "odk_central",
        "collect:QQ",
        "surveyor3",
    )
    # the next visit, as a re-survey: the pole moved 50 m and its height changed
    export["tiang-lokasi-Latitude"] = [-10.18045]
    export["tiang-height_m"] = [11.0]
    export["SubmissionDate"] = ["2027-01-05T01:00:00.000Z"]
    again = tmp_path / "visit2" / "submissions.csv.zip"
    again.parent.mkdir()
    _odk_zip(again, export)
    result = _import(inventory, again, "--update")
    assert "T-7\tmoved+changed\tmoved 49.8 m; height_m: 9 -> 11" in result.stdout
    assert "survey of 2027-01-05" in result.stderr


def test_qfield_geopackage_with_dcim_photos(tmp_path, inventory):
    import geopandas as gpd
    import pyogrio
    from shapely import Point

    folder = tmp_path / "qfield_export"
    (folder / "DCIM").mkdir(parents=True)
    (folder / "DCIM" / "poles_20260704_101500.jpg").write_bytes(b"\xff\xd8jpeg")
    (folder / "tiang.qgs").write_text("<qgis/>", encoding="utf-8")
    layer = gpd.GeoDataFrame(
        {"pole_id": ["Q1"], "owner": ["PLN"], "kind": ["electric"],
         "photo": ["DCIM/poles_20260704_101500.jpg"]},
        geometry=[Point(123.6, -10.17)], crs=4326,
    )  # fmt: skip
    pyogrio.write_dataframe(layer, folder / "data.gpkg", layer="poles", driver="GPKG")
    _import(inventory, folder / "data.gpkg")
    stored = inventory.read("poles")
    assert stored["photo"].tolist() == ["qfield_export/DCIM/poles_20260704_101500.jpg"]
    assert (inventory.path.parent / stored["photo"].iloc[0]).is_file()
    batch = _batch(inventory)
    assert batch["app"] == "qfield" and '"project": "tiang.qgs"' in batch["meta"]
