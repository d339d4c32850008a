"""geoasset: road-asset inventory, right-of-way corridors and retribution estimates.

The public API; the CLI (``geoasset``) and the notebooks call these same functions.
Names are imported on first use, so ``import geoasset`` (and ``geoasset --help``) stay
fast; ``from geoasset import open_inventory`` works as usual.

Examples
--------
>>> import geoasset
>>> geoasset.utm_crs(123.67, -10.17).to_epsg()
32751
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS = {
    "Assessment": "assessment",
    "assess": "assessment",
    "write_assessment": "assessment",
    "format_sta": "chainage",
    "locate_assets": "chainage",
    "locate_lines": "chainage",
    "locate_points": "chainage",
    "build_corridors": "corridors",
    "load_widths": "corridors",
    "landless_roads": "corridors",
    "export_layer": "jobs",
    "ImportReport": "ingest",
    "import_layer": "ingest",
    "read_source": "ingest",
    "inventory_report": "summary",
    "field_map": "jobs",
    "save_corridor_maps": "jobs",
    "save_map": "maps",
    "RunSummary": "pipeline",
    "find_sources": "pipeline",
    "run_pipeline": "pipeline",
    "run_qa": "qa",
    "summarise_findings": "qa",
    "write_tables_xlsx": "reports",
    "write_xlsx": "reports",
    "load_permits": "tariffs",
    "load_tariffs": "tariffs",
    "format_rupiah": "money",
    "mapbook_for_inventory": "mapbook",
    "write_mapbook": "mapbook",
    "load_owners": "owners",
    "write_layer_styles": "qgis",
    "write_qgis_project": "qgis",
    "build_statements": "statements",
    "load_statement_settings": "statements",
    "statements_for_inventory": "statement_files",
    "write_statements": "statement_files",
    "import_permits": "permits",
    "import_payments": "payments",
    "settle": "ledger",
    "survey_form": "survey_form",
    "write_survey_form": "survey_form",
    "survey_table": "survey_apps",
    "survey_update": "history_survey",
    "read_as_of": "history_read",
    "asset_history": "history_read",
    "diff_inventory": "history_diff",
    "bundled_layers": "samples",
    "metric_crs": "crs",
    "parse_crs": "crs",
    "utm_crs": "crs",
    "CRSError": "errors",
    "GeoassetError": "errors",
    "InventoryError": "errors",
    "InventoryLockedError": "errors",
    "LayerNotEmptyError": "errors",
    "LayerNotFoundError": "errors",
    "SchemaError": "errors",
    "SourceError": "errors",
    "TariffError": "errors",
    "LAYERS": "schema",
    "layer_spec": "schema",
    "Batch": "store",
    "Inventory": "store",
    "create_inventory": "store",
    "open_inventory": "store",
    "inventory_info": "jobs",
    "assign_ids": "validate",
    "validate_inventory": "jobs",
    "validate_layer": "validate",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geoasset' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"geoasset.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
