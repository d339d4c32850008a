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
#: Bytes of embedded thumbnails one corridor or area map carries by default; the photos
#: past it are links (about 150 thumbnails of 20 kB).
PHOTO_BUDGET_KB = 3000
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


class PhotoTooLargeError(GeoassetError):
    """A photo with more pixels than Pillow opens (a decompression bomb): refused."""


def _thumbnail(path: Path) -> str:
    try:
        from PIL import Image, ImageOps
    except ImportError:  # pragma: no cover - Pillow is installed with geoasset's extras
        raise GeoassetError("embedding photos needs Pillow: pip install Pillow") from None
    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=75, optimize=True)
    except Image.DecompressionBombError as exc:
        raise PhotoTooLargeError(str(exc)) from exc
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class PhotoBudget:
    """What is left of the bytes a map may spend on thumbnails (``None``: no limit)."""

    def __init__(self, kb: float | None = PHOTO_BUDGET_KB):
        self.left = None if kb is None else float(kb) * 1000
        self.linked = 0

    def take(self, size: int) -> bool:
        if self.left is None:
            return True
        if size > self.left:
            self.linked += 1
            return False
        self.left -= size
        return True


def _photos(
    frame: pd.DataFrame,
    layer: str,
    id_column: str,
    base_dir: Path | None,
    embed: bool,
    budget: PhotoBudget | None = None,
    in_maps: list | None = None,
) -> tuple[list | None, list[MissingPhoto]]:
    """Per row ``None`` or ``[kind, value, photo]``: kind ``img`` (data URI), ``map``
    (the address of the corridor or area map that embeds it, from ``in_maps``), ``link``
    (a file or web address, opened only when clicked) or ``missing``. Thumbnails past
    ``budget`` become links."""
    if "photo" not in frame or frame["photo"].isna().all():
        return None, []
    out: list = []
    missing: list[MissingPhoto] = []
    ids = frame[id_column].astype(object) if id_column in frame else pd.Series(frame.index)
    for k, (asset_id, value) in enumerate(zip(ids, frame["photo"].astype(object), strict=True)):
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
            there = in_maps[k] if in_maps is not None else None
            out.append(["map", there, text] if there else ["link", path.resolve().as_uri(), text])
            continue
        try:
            thumb = _thumbnail(path)
            if budget is not None and not budget.take(len(thumb)):
                out.append(["link", path.resolve().as_uri(), text])
                continue
            out.append(["img", thumb, text])
        except PhotoTooLargeError as exc:
            raise PhotoTooLargeError(
                f"layer {layer!r} {asset_id}: photo {text!r} is refused as a decompression "
                f"bomb ({exc})"
            ) from exc
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
