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
