"""Asset photos in a field map: embedded thumbnails, links, and the photos not found.

Examples
--------
>>> import pandas as pd
>>> out, missing = _photos(pd.DataFrame({"pole_id": ["P1"], "photo": ["https://x.org/p.jpg"]}),
...                        "poles", "pole_id", None, embed=True)
>>> out, missing
([['link', 'https://x.org/p.jpg', 'https://x.org/p.jpg']], [])
"""

from __future__ import annotations

import base64
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geoasset.errors import GeoassetError

#: Longest side of an embedded photo thumbnail, in pixels.
THUMBNAIL_PX = 320
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
#: The public logger of field maps.
log = logging.getLogger("geoasset.maps")


@dataclass(frozen=True)
class MissingPhoto:
    """A ``photo`` value that names no readable image."""

    layer: str
    asset_id: str
    photo: str
    reason: str

    def __str__(self) -> str:
        return f"layer {self.layer!r} {self.asset_id}: photo {self.photo!r} {self.reason}"


def _thumbnail(path: Path) -> str:
    try:
        from PIL import Image, ImageOps
    except ImportError:  # pragma: no cover - Pillow is installed with geoasset's extras
        raise GeoassetError("embedding photos needs Pillow: pip install Pillow") from None
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=75, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _photos(
    frame: pd.DataFrame, layer: str, id_column: str, base_dir: Path | None, embed: bool
) -> tuple[list | None, list[MissingPhoto]]:
    """Per row ``None`` or ``[kind, value, photo]``: kind ``img`` (data URI), ``link``
    (a file or web address, opened only when clicked) or ``missing``."""
    if "photo" not in frame or frame["photo"].isna().all():
        return None, []
    out: list = []
    missing: list[MissingPhoto] = []
    ids = frame[id_column].astype(object) if id_column in frame else pd.Series(frame.index)
    for asset_id, value in zip(ids, frame["photo"].astype(object), strict=True):
        if (
            value is None
            or (not isinstance(value, str) and pd.isna(value))
            or not str(value).strip()
        ):
            out.append(None)
            continue
        text = str(value).strip()
        if _URL.match(text):
            out.append(["link", text, text])
            continue
        path = Path(text)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            missing.append(MissingPhoto(layer, str(asset_id), text, f"not found at {path}"))
            out.append(["missing", None, text])
            continue
        if not embed:
            out.append(["link", path.resolve().as_uri(), text])
            continue
        try:
            out.append(["img", _thumbnail(path), text])
        except (OSError, ValueError) as exc:
            missing.append(
                MissingPhoto(layer, str(asset_id), text, f"is not a readable image ({exc})")
            )
            out.append(["missing", None, text])
    return out, missing


def _log_missing(missing: list) -> None:
    if missing:
        for photo in missing[:20]:
            log.warning("%s", photo)
        if len(missing) > 20:
            log.warning("... and %d more missing photo(s)", len(missing) - 20)
