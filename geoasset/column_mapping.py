"""Which column of a field file feeds which field of an inventory layer.

Columns named as a field (case-insensitive, spaces and units in brackets ignored) feed
that field; common Indonesian and English names (:data:`SYNONYMS`) feed theirs; every
other column keeps its name, prefixed ``src_`` where it would clash.

>>> map_columns(["Pemilik", "catatan"], "poles")
{'Pemilik': 'owner', 'catatan': 'catatan'}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from geoasset.errors import SchemaError, SourceError, ValidationProblem
from geoasset.schema import LayerSpec, layer_spec
from geoasset.validate import REASON_COLUMN, ROW_COLUMN

__all__ = ["SYNONYMS", "map_columns"]

#: Common Indonesian and English column names -> schema field. A synonym is used only
#: when the layer has that field and no column carries the field's own name.
#: ``id`` (and ``kode``) map to the layer's id field.
SYNONYMS = {
    "nama": "name",
    "nama_jalan": "name",
    "nama_ruas": "name",
    "nama_jembatan": "name",
    "pemilik": "owner",
    "operator": "owner",
    "perusahaan": "owner",
    "jenis": "kind",
    "tipe": "kind",
    "type": "kind",
    "tinggi": "height_m",
    "tinggi_m": "height_m",
    "height": "height_m",
    "bahan": "material",
    "no_izin": "permit_no",
    "nomor_izin": "permit_no",
    "izin": "permit_no",
    "permit": "permit_no",
    "tanggal_survei": "surveyed_on",
    "tgl_survei": "surveyed_on",
    "survey_date": "surveyed_on",
    "foto": "photo",
    "sumber": "source",
    "no_ruas": "road_id",
    "nomor_ruas": "road_id",
    "ruas": "road_id",
    "fungsi": "function",
    "kelas": "road_class",
    "kelas_jalan": "road_class",
    "lebar_rumija": "rumija_m",
    "permukaan": "surface",
    "kondisi": "condition",
    "kab_kota": "kabupaten",
    "panjang": "length_m",
    "length": "length_m",
    "lebar": "width_m",
    "width": "width_m",
    "bentang": "spans",
    "jumlah_bentang": "spans",
    "tahun_dibangun": "year_built",
    "nilai_kondisi": "condition_nk",
    "tanggal_inspeksi": "inspected_on",
    "biaya": "estimated_cost_rp",
    "perkiraan_biaya": "estimated_cost_rp",
    "sumber_dana": "funding",
    "no_sertifikat": "certificate_no",
    "nomor_sertifikat": "certificate_no",
    "tanggal_pasang": "installed_on",
}
_ID_NAMES = ("id", "kode")

#: Names an extra column may not keep in a GeoPackage layer; they get a ``src_`` prefix.
_RESERVED = ("fid", "ogc_fid", "geometry", "geom", ROW_COLUMN, REASON_COLUMN)


def _norm(name) -> str:
    """``'Tinggi (m)'`` -> ``'tinggi'``, ``'No. Izin'`` -> ``'no_izin'``."""
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", str(name).strip().lower())
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def _find_column(columns: list[str], wanted: str, what: str, path: Path) -> str:
    if wanted in columns:
        return wanted
    matches = [c for c in columns if _norm(c) == _norm(wanted)]
    if len(matches) == 1:
        return matches[0]
    raise SourceError(
        f"{path}: column {wanted!r} ({what}) not found; "
        f"columns found: {', '.join(map(str, columns))}"
    )


def _check_mapping(mapping: Mapping[str, str] | None, spec: LayerSpec, source: str) -> dict:
    mapping = dict(mapping or {})
    problems = [
        ValidationProblem(
            None,
            target,
            f"column {column!r} is mapped to {target!r}, but layer {spec.name!r} has no field "
            f"{target!r} "
            f"(fields: {', '.join(spec.field_names)})",
        )
        for column, target in mapping.items()
        if target not in spec.field_names
    ]
    targets = list(mapping.values())
    problems += [
        ValidationProblem(None, t, f"several columns are mapped to field {t!r}")
        for t in sorted({t for t in targets if targets.count(t) > 1})
    ]
    if problems:
        raise SchemaError(source, problems)
    return mapping


def map_columns(
    columns: Iterable[str],
    layer: str | LayerSpec,
    *,
    mapping: Mapping[str, str] | None = None,
    source: str = "",
) -> dict[str, str]:
    """Decide which column feeds which field of ``layer``; keep the others.

    In order: ``mapping`` (source column -> field), columns named as a field
    (case-insensitive, spaces and units in brackets ignored), then :data:`SYNONYMS`.
    Every other column keeps its name (prefixed ``src_`` when it would clash with a
    field or a reserved name such as ``fid``).

    Returns
    -------
    dict
        Every column -> its name in the layer.

    Examples
    --------
    >>> map_columns(["ID", "Pemilik", "Tinggi (m)", "catatan", "FID"], "poles")
    {'ID': 'pole_id', 'Pemilik': 'owner', 'Tinggi (m)': 'height_m', 'catatan': 'catatan', 'FID': 'src_FID'}
    >>> map_columns(["owner", "perusahaan"], "poles", mapping={"perusahaan": "owner"})
    {'owner': 'src_owner', 'perusahaan': 'owner'}
    """
    spec = layer if isinstance(layer, LayerSpec) else layer_spec(layer)
    columns = [str(c) for c in columns]
    mapping = _check_mapping(mapping, spec, source)
    fields = spec.field_names
    out: dict[str, str] = {}
    for column, target in mapping.items():
        out[_find_column(columns, column, "mapping=", Path(source or "source"))] = target
    taken = set(out.values())
    normal = {c: _norm(c) for c in columns}
    # names as the field names first, so a synonym never takes a field from its own column
    for pass_ in ("field", "synonym"):
        for column in columns:
            if column in out:
                continue
            n = normal[column]
            if pass_ == "field":
                target = n if n in fields else None
            else:
                target = spec.id_field if n in _ID_NAMES else SYNONYMS.get(n)
            if target in fields and target not in taken:
                out[column] = target
                taken.add(target)
    used = {t.lower() for t in taken} | {f.lower() for f in fields}
    for column in columns:
        if column in out:
            continue
        name = column
        if name.lower() in used or name.lower() in _RESERVED:
            name = f"src_{column}"
        base, i = name, 2
        while name.lower() in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name.lower())
        out[column] = name
    return {c: out[c] for c in columns}
