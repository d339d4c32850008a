"""Survey forms made from the layer specification, converted by pyxform as ODK would."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from geoasset.cli.main import cli
from geoasset.errors import GeoassetError
from geoasset.schema import LAYERS
from geoasset.survey_form import COMPUTED, LOCATION, survey_form, write_survey_form, xform

XF = "{http://www.w3.org/2002/xforms}"
LAYERS_WITH_FORMS = ("poles", "utility_lines", "bridges", "monuments")


def bindings(xml: str) -> dict[str, dict]:
    """nodeset name -> attributes of its <bind>, from the XForm itself."""
    root = ET.fromstring(xml)
    return {b.get("nodeset").rsplit("/", 1)[1]: b.attrib for b in root.iter(f"{XF}bind")}


@pytest.mark.parametrize("layer", LAYERS_WITH_FORMS)
def test_form_asks_every_field_a_surveyor_sees_and_nothing_computed(layer, tmp_path):
    path = write_survey_form(layer, tmp_path / f"{layer}.xlsx")
    binds = bindings(xform(path))
    spec = LAYERS[layer]
    asked = {f.name for f in spec.fields} - COMPUTED
    assert asked <= set(binds)
    assert not (COMPUTED & set(binds))
    geometry = {
        "poles": "geopoint",
        "utility_lines": "geotrace",
        "bridges": "geopoint",
        "monuments": "geopoint",
    }
    assert binds[LOCATION]["type"] == geometry[layer] and binds[LOCATION]["required"] == "true()"
    for field in spec.fields:
        if field.name not in asked:
            continue
        bind = binds[field.name]
        assert (bind.get("required") == "true()") == field.required, field.name
        if field.type == "date":
            assert bind["type"] == "date"
        if field.minimum is not None or field.maximum is not None:
            assert "constraint" in bind, field.name


def test_choices_are_the_allowed_values_with_indonesian_labels():
    sheets = survey_form("poles")
    choices = sheets["choices"]
    kinds = choices[choices["list_name"] == "kind"]
    assert tuple(kinds["name"]) == LAYERS["poles"].field("kind").allowed
    labels = dict(zip(kinds["name"], kinds["label::Bahasa Indonesia (id)"], strict=True))
    assert labels["electric"] == "Listrik" and labels["street_light"] == "Penerangan jalan"
    survey = sheets["survey"]
    assert survey.loc[survey["name"] == "photo", "type"].item() == "image"


def test_constraint_enforces_the_specified_range(tmp_path):
    binds = bindings(xform(write_survey_form("bridges", tmp_path / "b.xlsx")))
    nk = LAYERS["bridges"].field("condition_nk")
    assert binds["condition_nk"]["constraint"] == f". >= {nk.minimum:g} and . <= {nk.maximum:g}"
    assert binds["condition_nk"]["type"] == "int"


def test_written_workbook_has_the_xlsform_sheets(tmp_path):
    path = write_survey_form("poles", tmp_path / "tiang.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["survey", "choices", "settings"]
    settings = dict(
        zip(*[[c.value for c in row] for row in book["settings"].iter_rows()], strict=True)
    )
    assert settings["form_id"] == "geoasset_poles"
    with pytest.raises(GeoassetError, match="already exists"):
        write_survey_form("poles", path)


def test_broken_xlsform_is_refused_with_the_file_named(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(GeoassetError, match="broken.xlsx: not a valid XLSForm"):
        xform(path)


def test_cli_survey_form(tmp_path):
    runner = CliRunner()
    out, xml = tmp_path / "tiang.xlsx", tmp_path / "tiang.xml"
    done = runner.invoke(cli, ["survey-form", "poles", "-o", str(out), "--xform", str(xml)])
    assert done.exit_code == 0, done.output
    assert "pole_id" in bindings(xml.read_text(encoding="utf-8"))
    again = runner.invoke(cli, ["survey-form", "poles", "-o", str(out)])
    assert again.exit_code == 1 and "--overwrite" in again.output
    wrong = runner.invoke(cli, ["survey-form", "roads_typo", "-o", str(out)])
    assert wrong.exit_code == 2
    missing = runner.invoke(cli, ["survey-form", "poles", "-o", str(tmp_path / "no" / "x.xlsx")])
    assert missing.exit_code == 1 and "no such folder" in missing.output
