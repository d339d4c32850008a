"""Where the reference data shipped with geoasset lives.

The repository's ``layers/`` folder holds the Kupang pilot, the Maumere and West Jakarta
OpenStreetMap roads, NTT boundaries and an example tariff schedule. Notebooks and
examples find it with :func:`bundled_layers`, from whatever folder they are opened in.

>>> (bundled_layers() / "kupang").is_dir()
True
"""

from __future__ import annotations

import os
from pathlib import Path

#: environment variable that names the layers folder explicitly
LAYERS_ENV = "GEOASSET_LAYERS"

_MARKER = Path("kupang")


def _candidates() -> list[Path]:
    if os.environ.get(LAYERS_ENV):
        return [Path(os.environ[LAYERS_ENV])]
    # A checkout (pip install -e .): layers/ sits beside the package.
    found = [Path(__file__).resolve().parent.parent / "layers"]
    # Otherwise: the current folder or one of its parents.
    here = Path.cwd().resolve()
    found.extend(folder / "layers" for folder in (here, *here.parents))
    return found


def bundled_layers() -> Path:
    """The folder of the bundled reference layers (``layers/`` of the repository).

    The folder named by ``GEOASSET_LAYERS`` if it is set (and only that one); else
    ``layers/`` beside the installed package (a checkout), then ``layers/`` in the current
    folder or one of its parents.

    >>> bundled_layers().name
    'layers'
    """
    candidates = _candidates()
    for folder in candidates:
        if (folder / _MARKER).is_dir():
            return folder
    if os.environ.get(LAYERS_ENV):
        raise FileNotFoundError(
            f"{LAYERS_ENV}={os.environ[LAYERS_ENV]}: no reference layers there "
            f"(expected a {_MARKER}/ folder inside)"
        )
    raise FileNotFoundError(
        "the bundled reference layers were not found; set "
        f"{LAYERS_ENV} to the layers/ folder of a geoasset checkout"
    )
