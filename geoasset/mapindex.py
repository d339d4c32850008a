"""File names of the detailed maps and the ``index.html`` pages listing them.

Examples
--------
>>> taken = set()
>>> _file_name("NTT/001", taken), _file_name("NTT 001", taken)
('NTT_001.html', 'NTT_001_2.html')
"""

from __future__ import annotations

import html
import os
import re
import uuid
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from geoasset.errors import GeoassetError
from geoasset.i18n import t
from geoasset.mapareas import AreaRow
from geoasset.mapstyle import _fmt_int

#: On a phone each row of an index is a card: one line per column, named.
_PHONE_CSS = (
    "@media (max-width:640px){body{margin:1rem}h1{font-size:1.3rem}"
    "table,tbody,tfoot,tr,td,th{display:block;width:auto}thead{display:none}"
    "tbody tr{border:1px solid #ddd;border-radius:6px;margin:0 0 10px;padding:6px 8px}"
    "td{display:flex;justify-content:space-between;gap:12px;border:0;padding:3px 0;"
    "overflow-wrap:anywhere}td.n{text-align:right}"
    "td[data-label]:not([data-label=''])::before{content:attr(data-label);color:#555;"
    "text-align:left;flex:none}"
    "td:first-child{font-size:1.1rem;font-weight:600}td:first-child::before{display:none}"
    "tfoot tr{display:flex;flex-wrap:wrap;gap:4px 12px;font-weight:600}tfoot th{border:0;padding:0}"
    "td a{display:inline-block;padding:6px 0;min-height:24px}}"
)


def _labelled(row: str, head: list[str]) -> str:
    """``row`` with each ``<td`` carrying its column's name (``data-label``)."""
    cells = iter(head)
    return re.sub(r"<td(?=[ >])", lambda m: f'<td data-label="{html.escape(next(cells, ""))}"', row)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _file_name(corridor_id: str, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", corridor_id).strip("._") or "corridor"
    name, n = f"{stem}.html", 1
    while name.lower() in taken or name.lower() == "index.html":
        n += 1
        name = f"{stem}_{n}.html"
    taken.add(name.lower())
    return name


def _corridor_files(corridors: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The corridors in map order (road, chainage, id) and each one's file name."""
    order = [c for c in ("road_id", "sta_from_m", "corridor_id") if c in corridors]
    ordered = corridors.sort_values(order, kind="stable") if order else corridors
    taken: set[str] = set()
    return ordered, [_file_name(str(cid), taken) for cid in ordered["corridor_id"]]


def _index_html(rows: list, title: str, source: str, lang: str) -> str:
    esc = html.escape
    head = [
        t("corridor", lang),
        t("road", lang),
        t("sta", lang),
        t("width_m", lang),
        t("poles", lang),
        t("revenue", lang),
    ]
    body = []
    total = 0
    assessed = False
    for name, corridor, poles, amount in rows:
        road = " – ".join(
            str(v)
            for v in (corridor.get("road_id"), corridor.get("road_name"))
            if isinstance(v, str) and v
        )
        width = corridor.get("width_m")
        width_text = "" if width is None or pd.isna(width) else f"{float(width):g}"
        amount_text = "" if amount is None else f"Rp {_fmt_int(amount, lang)}"
        if amount is not None:
            total += amount
            assessed = True
        sta = corridor.get("sta")
        body.append(
            "<tr>"
            f'<td><a href="{esc(name)}">{esc(str(corridor["corridor_id"]))}</a></td>'
            f"<td>{esc(road)}</td><td>{esc(sta if isinstance(sta, str) else '')}</td>"
            f'<td class="n">{esc(width_text)}</td><td class="n">{_fmt_int(poles, lang)}</td>'
            f'<td class="n">{esc(amount_text)}</td></tr>'
        )
    foot = (
        f'<tr><th colspan="5">{esc(t("total", lang))}</th>'
        f'<th class="n">{esc(f"Rp {_fmt_int(total, lang)}" if assessed else "")}</th></tr>'
    )
    style = (
        "body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}"
        "table{border-collapse:collapse}th,td{padding:4px 10px;border-bottom:1px solid #ddd;"
        "text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}"
        "thead th{background:#f4f4f4}" + _PHONE_CSS
    )
    body = [_labelled(row, head) for row in body]
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n<p>{esc(Path(source).name)} · {len(rows)} "
        f"{esc(t('map_corridors_short', lang))}</p>\n"
        f"<table>\n<thead><tr>{''.join(f'<th>{esc(h)}</th>' for h in head)}</tr></thead>\n"
        f"<tbody>\n{chr(10).join(body)}\n</tbody>\n<tfoot>{foot}</tfoot>\n</table>\n</body>\n</html>\n"
    )


def _prepare_directory(directory: Path, names: list[str], overwrite: bool) -> None:
    """Refuse existing files (before anything is written) unless ``overwrite``."""
    if directory.exists() and not directory.is_dir():
        raise GeoassetError(f"{directory} exists and is not a folder")
    if not directory.parent.is_dir():
        raise GeoassetError(f"{directory}: folder {directory.parent} does not exist")
    existing = [directory / n for n in names if (directory / n).exists()]
    if existing and not overwrite:
        raise GeoassetError(
            f"{existing[0]} already exists ({len(existing)} file(s) in {directory}); "
            "use overwrite to replace them"
        )
    directory.mkdir(exist_ok=True)


def _area_index_html(rows: list[AreaRow], title: str, source: str, note: str, lang: str) -> str:
    esc = html.escape
    head = [
        t("map_area", lang),
        t("map_n_corridors", lang),
        t("poles", lang),
        t("map_billed_poles", lang),
        t("revenue", lang),
    ]
    assessed = any(r.revenue_rp is not None for r in rows)

    def rp(value) -> str:
        return "" if value is None else f"Rp {_fmt_int(value, lang)}"

    body = []
    for r in rows:
        listed = ""
        if r.corridor_ids:
            summary = f"{_fmt_int(r.corridors, lang)} {t('map_corridors_short', lang)}"
            listed = (
                f"<details><summary>{esc(summary)}</summary>"
                f"{esc(', '.join(r.corridor_ids))}</details>"
            )
        body.append(
            "<tr>"
            f'<td><a href="{esc(quote(r.file))}">{esc(r.name)}</a></td>'
            f'<td class="n">{_fmt_int(r.corridors, lang)}</td>'
            f'<td class="n">{_fmt_int(r.poles, lang)}</td>'
            f'<td class="n">{_fmt_int(r.billed_poles, lang)}</td>'
            f'<td class="n">{esc(rp(r.revenue_rp))}</td>'
            f"<td>{listed}</td>"
            "</tr>"
        )
    total_rp = sum(r.revenue_rp or 0 for r in rows) if assessed else None
    foot = (
        f"<tr><th>{esc(t('total', lang))}</th>"
        f'<th class="n">{_fmt_int(sum(r.corridors for r in rows), lang)}</th>'
        f'<th class="n">{_fmt_int(sum(r.poles for r in rows), lang)}</th>'
        f'<th class="n">{_fmt_int(sum(r.billed_poles for r in rows), lang)}</th>'
        f'<th class="n">{esc(rp(total_rp))}</th><th></th></tr>'
    )
    style = (
        "body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}"
        "table{border-collapse:collapse}th,td{padding:4px 10px;border-bottom:1px solid #ddd;"
        "text-align:left;vertical-align:top}.n{text-align:right;font-variant-numeric:tabular-nums}"
        "thead th{background:#f4f4f4}details{max-width:40rem;font-size:12px}" + _PHONE_CSS
    )
    body = [_labelled(row, [*head, ""]) for row in body]
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n<p>{esc(Path(source).name)} · {len(rows)} "
        f"{esc(t('map_areas_short', lang))}. {esc(note)}</p>\n"
        f"<table>\n<thead><tr>{''.join(f'<th>{esc(h)}</th>' for h in head)}<th></th></tr></thead>\n"
        f"<tbody>\n{chr(10).join(body)}\n</tbody>\n<tfoot>{foot}</tfoot>\n</table>\n</body>\n</html>\n"
    )
