"""Survey forms made from the layer specification (XLSForm, for KoBoToolbox, ODK and others).

A field team collects exactly the fields the inventory needs when its form is made from
the same :class:`~geoasset.schema.LayerSpec` that validates the import: one question per
field a surveyor can see (computed fields such as chainage are left out), the location as
a ``geopoint`` (``geotrace`` for lines, ``geoshape`` for areas) named ``lokasi``, allowed
values as choice lists, ranges as constraints, required fields required, the photo as an
``image`` question, labels in Bahasa Indonesia and English from :mod:`geoasset.i18n`.

The form is an XLSForm workbook (the format KoBoToolbox, ODK Central and Ona read); pyxform
converts it to the XForm that ODK Collect runs, which also proves it valid.

>>> sheets = survey_form("poles")
>>> sheets["survey"].loc[sheets["survey"]["name"] == "kind", "type"].item()
'select_one kind'
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import xlsxwriter
from pyxform.xls2xform import convert

from geoasset.errors import GeoassetError
from geoasset.i18n import t
from geoasset.outputs import atomic_path as _atomic
from geoasset.schema import CHAINAGE_FIELDS, FieldSpec, layer_spec

#: name of the location question; exports carry it as ``_lokasi_latitude`` (KoBoToolbox)
#: or ``lokasi-Latitude`` (ODK Central)
LOCATION = "lokasi"

#: fields geoasset computes or fills itself: never asked in the field
COMPUTED = {f.name for f in CHAINAGE_FIELDS} | {"source", "sta_from_m", "sta_to_m"}

_GEOMETRY_QUESTION = {"Point": "geopoint", "LineString": "geotrace", "Polygon": "geoshape"}
_TYPES = {"str": "text", "int": "integer", "float": "decimal", "date": "date"}
_LANGUAGES = (("id", "Bahasa Indonesia (id)"), ("en", "English (en)"))


def _label(name: str, lang: str) -> str:
    text = t(name, lang)
    return text if text != name else name.replace("_", " ").capitalize()


def _constraint(spec: FieldSpec) -> tuple[str, str]:
    parts = []
    if spec.minimum is not None:
        parts.append(f". >= {spec.minimum:g}")
    if spec.maximum is not None:
        parts.append(f". <= {spec.maximum:g}")
    if not parts:
        return "", ""
    bounds = " – ".join(f"{v:g}" for v in (spec.minimum, spec.maximum) if v is not None)
    return " and ".join(parts), f"{bounds}"


def _question(spec: FieldSpec, id_field: str) -> dict:
    if spec.name == "photo":
        kind = "image"
    elif spec.allowed:
        kind = f"select_one {spec.name}"
    else:
        kind = _TYPES[spec.type]
    constraint, bounds = _constraint(spec)
    row = {"type": kind, "name": spec.name, "required": "yes" if spec.required else ""}
    for lang, column in _LANGUAGES:
        row[f"label::{column}"] = _label(spec.name, lang)
        row[f"constraint_message::{column}"] = bounds and (
            f"{'nilai' if lang == 'id' else 'value'} {bounds}"
        )
    row["constraint"] = constraint
    if spec.name == id_field:
        for lang, column in _LANGUAGES:
            row[f"hint::{column}"] = (
                "isi hanya jika objek sudah punya ID (survei ulang)"
                if lang == "id"
                else "only when the object already has an id (re-survey)"
            )
    return row


def survey_form(
    layer: str, *, form_id: str | None = None, version: str = "1"
) -> dict[str, pd.DataFrame]:
    """The XLSForm sheets (``survey``, ``choices``, ``settings``) for inventory ``layer``."""
    spec = layer_spec(layer)
    kind = spec.geometry_types[0].removeprefix("Multi")
    questions = [
        {
            "type": _GEOMETRY_QUESTION[kind],
            "name": LOCATION,
            "required": "yes",
            **{f"label::{column}": _label("location", lang) for lang, column in _LANGUAGES},
        }
    ]
    choices = []
    for field in spec.fields:
        if field.name in COMPUTED:
            continue
        questions.append(_question(field, spec.id_field))
        for value in field.allowed or ():
            choices.append(
                {
                    "list_name": field.name,
                    "name": value,
                    **{f"label::{column}": _label(value, lang) for lang, column in _LANGUAGES},
                }
            )
    meta = [{"type": "start", "name": "start"}, {"type": "end", "name": "end"}]
    meta.append({"type": "today", "name": "today"})
    meta.append({"type": "deviceid", "name": "deviceid"})
    settings = {
        "form_title": f"geoasset: {_label(layer, 'id')}",
        "form_id": form_id or f"geoasset_{layer}",
        "version": version,
        "default_language": _LANGUAGES[0][1],
    }
    return {
        "survey": pd.DataFrame(meta + questions).fillna(""),
        "choices": pd.DataFrame(choices),
        "settings": pd.DataFrame([settings]),
    }


def write_survey_form(layer: str, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write the XLSForm of ``layer`` to ``path`` (``.xlsx``) and check it with pyxform.

    Returns ``path``. Raises :class:`~geoasset.errors.GeoassetError` if the file exists
    (without ``overwrite``) or its folder does not.
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise GeoassetError(f"{target}: an XLSForm is an .xlsx workbook")
    if not target.parent.is_dir():
        raise GeoassetError(f"{target.parent}: no such folder")
    if target.exists() and not overwrite:
        raise GeoassetError(f"{target} already exists")
    sheets = survey_form(layer)
    with _atomic(target) as temporary:  # moved into place only once pyxform accepts it
        book = xlsxwriter.Workbook(str(temporary), {"strings_to_formulas": False})
        for title, frame in sheets.items():
            sheet = book.add_worksheet(title)
            sheet.write_row(0, 0, list(frame.columns))
            for row, values in enumerate(frame.itertuples(index=False), start=1):
                sheet.write_row(row, 0, list(values))
        book.close()
        xform(temporary)
    return target


def xform(xlsform: str | os.PathLike) -> str:
    """The XForm XML of an XLSForm workbook, by pyxform (which refuses an invalid form)."""
    try:
        return convert(xlsform=str(xlsform), file_type=".xlsx").xform
    except Exception as exc:  # pyxform raises its own and plain errors
        raise GeoassetError(f"{xlsform}: not a valid XLSForm ({exc})") from None
