"""Layer specifications of the inventory, as data.

Each :class:`LayerSpec` lists a layer's fields (type, required, allowed values, range),
the geometry types it accepts and the prefix of the ids geoasset assigns when a source
has none. Validation lives in :mod:`geoasset.validate`; this module only describes.

Examples
--------
>>> from geoasset.schema import LAYERS
>>> LAYERS["poles"].id_field, LAYERS["poles"].id_prefix
('pole_id', 'POLE')
>>> LAYERS["roads"].field("road_class").allowed
('bebas_hambatan', 'raya', 'sedang', 'kecil')
"""

from __future__ import annotations

from dataclasses import dataclass

from geoasset.errors import LayerNotFoundError

__all__ = [
    "SCHEMA_VERSION",
    "FieldSpec",
    "LayerSpec",
    "LAYERS",
    "INVENTORY_LAYERS",
    "CHAINAGE_FIELDS",
    "ROAD_STATUSES",
    "ROAD_FUNCTIONS",
    "ROAD_NETWORKS",
    "ROAD_CLASSES",
    "ROAD_CONDITIONS",
    "RUMIJA_MIN_WIDTH_M",
    "layer_spec",
    "PANDAS_DTYPES",
]

SCHEMA_VERSION = 1

#: pandas dtype of each field type, for frames of a layer read or built in memory.
PANDAS_DTYPES = {"str": "str", "int": "Int64", "float": "float64", "date": "date32[pyarrow]"}

ROAD_STATUSES = ("nasional", "provinsi", "kabupaten", "kota", "desa")
ROAD_FUNCTIONS = ("arteri", "kolektor", "lokal", "lingkungan")
ROAD_NETWORKS = ("primer", "sekunder")
ROAD_CLASSES = ("bebas_hambatan", "raya", "sedang", "kecil")
ROAD_CONDITIONS = ("baik", "sedang", "rusak_ringan", "rusak_berat")

#: Minimum total Rumija width per road class, PP 34/2006 Pasal 40(1).
RUMIJA_MIN_WIDTH_M = {"bebas_hambatan": 30.0, "raya": 25.0, "sedang": 15.0, "kecil": 11.0}

#: Field types: ``str``, ``int``, ``float`` (finite numbers only), ``date`` (stored as ISO
#: ``YYYY-MM-DD``; read from ``YYYY-MM-DD`` or day-first ``DD/MM/YYYY``, nothing else).
FIELD_TYPES = ("str", "int", "float", "date")


@dataclass(frozen=True)
class FieldSpec:
    """One attribute of a layer."""

    name: str
    type: str = "str"
    required: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r}: unknown type {self.type!r}")


@dataclass(frozen=True)
class LayerSpec:
    """The specification of one inventory layer."""

    name: str
    id_field: str
    id_prefix: str
    geometry_types: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    description: str = ""

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def storage_geometry_type(self) -> str:
        """The geometry type declared in the GeoPackage for this layer."""
        kinds = {t.removeprefix("Multi") for t in self.geometry_types}
        if len(kinds) > 1:
            return "Unknown"
        return self.geometry_types[-1]

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"layer {self.name!r} has no field {name!r}")


def _id(name: str, what: str) -> FieldSpec:
    return FieldSpec(name, "str", required=False, description=f"unique {what} id")


#: Fields written by :func:`geoasset.chainage.locate_assets` on point-like asset layers.
CHAINAGE_FIELDS = (
    FieldSpec("road_id", "str", description="road the asset is located on"),
    FieldSpec("sta_m", "float", description="chainage in metres from the road's start"),
    FieldSpec("sta", "str", description="chainage label, e.g. 'STA 12+300'"),
    FieldSpec("offset_m", "float", minimum=0, description="distance from the centreline"),
    FieldSpec("side", "str", allowed=("left", "right", "on"), description="side of the road"),
)

ROADS = LayerSpec(
    name="roads",
    id_field="road_id",
    id_prefix="ROAD",
    geometry_types=("LineString", "MultiLineString"),
    description="road links (ruas jalan)",
    fields=(
        _id("road_id", "road link (no. ruas)"),
        FieldSpec("name", description="'pangkal – ujung'"),
        FieldSpec("status", allowed=ROAD_STATUSES),
        FieldSpec("function", allowed=ROAD_FUNCTIONS),
        FieldSpec("network", allowed=ROAD_NETWORKS),
        FieldSpec("road_class", allowed=ROAD_CLASSES),
        FieldSpec(
            "rumija_m", "float", minimum=0.5, maximum=200, description="Rumija width override"
        ),
        FieldSpec("sta_start_m", "float", minimum=0, description="chainage at the first vertex"),
        FieldSpec("surface"),
        FieldSpec("condition", allowed=ROAD_CONDITIONS),
        FieldSpec("kabupaten"),
    ),
)

BRIDGES = LayerSpec(
    name="bridges",
    id_field="bridge_id",
    id_prefix="BRIDGE",
    geometry_types=("Point", "LineString"),
    description="bridges (jembatan)",
    fields=(
        _id("bridge_id", "bridge"),
        FieldSpec("name"),
        FieldSpec("road_id"),
        FieldSpec("length_m", "float", minimum=0),
        FieldSpec("width_m", "float", minimum=0),
        FieldSpec("spans", "int", minimum=1),
        FieldSpec("structure_type"),
        FieldSpec("year_built", "int", minimum=1800, maximum=2100),
        FieldSpec("condition_nk", "int", minimum=0, maximum=5, description="BMS nilai kondisi"),
        FieldSpec("inspected_on", "date"),
        *CHAINAGE_FIELDS[1:],
    ),
)

MONUMENTS = LayerSpec(
    name="monuments",
    id_field="monument_id",
    id_prefix="MON",
    geometry_types=("Point", "Polygon", "MultiPolygon"),
    description="monuments (monumen, tugu)",
    fields=(
        _id("monument_id", "monument"),
        FieldSpec("name"),
        FieldSpec("kind"),
        FieldSpec("status", allowed=("planned", "under_construction", "stalled", "complete")),
        FieldSpec("estimated_cost_rp", "float", minimum=0),
        FieldSpec("funding"),
        *CHAINAGE_FIELDS,
    ),
)

POLES = LayerSpec(
    name="poles",
    id_field="pole_id",
    id_prefix="POLE",
    geometry_types=("Point",),
    description="utility poles (tiang)",
    fields=(
        _id("pole_id", "pole"),
        FieldSpec("owner", required=True),
        FieldSpec("kind", allowed=("electric", "telecom", "street_light", "other")),
        FieldSpec("height_m", "float", minimum=0, maximum=100),
        FieldSpec("material"),
        FieldSpec("permit_no"),
        FieldSpec("surveyed_on", "date"),
        FieldSpec("photo"),
        FieldSpec("source"),
        *CHAINAGE_FIELDS,
    ),
)

UTILITY_LINES = LayerSpec(
    name="utility_lines",
    id_field="line_id",
    id_prefix="LINE",
    geometry_types=("LineString",),
    description="utility lines (kabel, pipa)",
    fields=(
        _id("line_id", "utility line"),
        FieldSpec("owner", required=True),
        FieldSpec(
            "kind",
            allowed=("overhead_cable", "buried_cable", "fibre", "water_pipe", "gas_pipe", "other"),
        ),
        FieldSpec("permit_no"),
        FieldSpec("installed_on", "date"),
        FieldSpec("source"),
        FieldSpec("road_id", description="road at the line's start"),
        FieldSpec("sta_from_m", "float", description="chainage of the line's start"),
        FieldSpec("sta_to_m", "float", description="chainage of the line's end"),
        FieldSpec("sta", description="chainage label 'STA a+aaa – b+bbb'"),
        FieldSpec("side", allowed=("left", "right", "on", "both")),
    ),
)

PARCELS = LayerSpec(
    name="parcels",
    id_field="parcel_id",
    id_prefix="PARCEL",
    geometry_types=("Polygon", "MultiPolygon"),
    description="certified right-of-way land parcels",
    fields=(
        _id("parcel_id", "parcel"),
        FieldSpec("road_id", required=True),
        FieldSpec("certificate_no"),
    ),
)

AREAS = LayerSpec(
    name="areas",
    id_field="area_id",
    id_prefix="AREA",
    geometry_types=("Polygon", "MultiPolygon"),
    description="uses of road land by area (kios, kabinet, fondasi reklame), billed per m²",
    fields=(
        _id("area_id", "area"),
        FieldSpec("owner", required=True),
        FieldSpec("kind", allowed=("kiosk", "cabinet", "billboard", "other")),
        FieldSpec("permit_no"),
        FieldSpec("installed_on", "date"),
        FieldSpec("photo"),
        FieldSpec("source"),
    ),
)

#: The layers a user imports into, in dependency order.
INVENTORY_LAYERS = ("roads", "bridges", "monuments", "poles", "utility_lines", "parcels", "areas")

LAYERS: dict[str, LayerSpec] = {
    spec.name: spec for spec in (ROADS, BRIDGES, MONUMENTS, POLES, UTILITY_LINES, PARCELS, AREAS)
}


def layer_spec(name: str) -> LayerSpec:
    """Return the specification of inventory layer ``name``.

    Examples
    --------
    >>> layer_spec("bridges").storage_geometry_type
    'Unknown'
    """
    try:
        return LAYERS[name]
    except KeyError:
        known = ", ".join(LAYERS)
        raise LayerNotFoundError(f"unknown layer {name!r}; inventory layers are: {known}") from None
