"""Plain summaries of an inventory, for ``geoasset info`` and notebooks."""

from __future__ import annotations

import pyogrio

from geoasset.store import open_inventory

__all__ = ["inventory_info"]


def inventory_info(path, *, batches: int = 5) -> dict:
    """Layers (rows, geometry type, CRS, extent), schema version and recent batches.

    Examples
    --------
    >>> import tempfile, os
    >>> from geoasset.store import create_inventory
    >>> p = os.path.join(tempfile.mkdtemp(), "i.gpkg")
    >>> _ = create_inventory(p)
    >>> inventory_info(p)["layers"][0]["rows"]
    0
    """
    inv = open_inventory(path)
    layers = []
    for name in inv.layers():
        meta = pyogrio.read_info(inv.path, layer=name, force_total_bounds=True)
        bounds = meta.get("total_bounds")
        layers.append(
            {
                "name": name,
                "rows": int(meta["features"]),
                "geometry": meta.get("geometry_type"),
                "crs": meta.get("crs"),
                "extent": None
                if bounds is None or meta["features"] == 0
                else [float(v) for v in bounds],
            }
        )
    history = inv.history().tail(batches)
    return {
        "path": str(inv.path),
        "schema_version": inv.metadata().get("schema_version"),
        "layers": layers,
        "batches": history.astype(object).where(history.notna(), None).to_dict("records")
        if len(history)
        else [],
    }
