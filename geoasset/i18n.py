"""Words shown to officers, in English (``en``) or Bahasa Indonesia (``id``).

Report headings, map legends and popups look their labels up here, so one table holds
the Indonesian terms officers use (ruas jalan, Rumija, jembatan, tiang, retribusi, STA).

Examples
--------
>>> t("poles", "id")
'Tiang'
>>> t("poles", "en")
'Poles'
>>> t("no_such_key", "id")
'no_such_key'
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "TERMS", "t"]

LANGUAGES = ("en", "id")

#: key -> (English, Indonesian)
TERMS: dict[str, tuple[str, str]] = {
    "roads": ("Roads", "Ruas jalan"),
    "road": ("Road", "Ruas jalan"),
    "road_id": ("Road no.", "No. ruas"),
    "bridges": ("Bridges", "Jembatan"),
    "monuments": ("Monuments", "Monumen"),
    "poles": ("Poles", "Tiang"),
    "utility_lines": ("Utility lines", "Jaringan utilitas"),
    "parcels": ("Right-of-way parcels", "Bidang tanah Rumija"),
    "corridors": ("Right-of-way corridors (Rumija)", "Koridor Rumija"),
    "corridor": ("Corridor", "Koridor"),
    "owner": ("Owner", "Pemilik"),
    "status": ("Status", "Status"),
    "function": ("Function", "Fungsi"),
    "condition": ("Condition", "Kondisi"),
    "length_m": ("Length (m)", "Panjang (m)"),
    "length_km": ("Length (km)", "Panjang (km)"),
    "width_m": ("Width (m)", "Lebar (m)"),
    "area_m2": ("Area (m²)", "Luas (m²)"),
    "sta": ("STA", "STA"),
    "offset_m": ("Offset (m)", "Jarak dari as jalan (m)"),
    "side": ("Side", "Sisi"),
    "left": ("left", "kiri"),
    "right": ("right", "kanan"),
    "tariff": ("Tariff", "Tarif"),
    "rate_rp": ("Rate (Rp)", "Tarif (Rp)"),
    "amount_rp": ("Amount (Rp)", "Jumlah (Rp)"),
    "revenue": ("Retribution (Rp/year)", "Retribusi (Rp/tahun)"),
    "retribution": ("Retribution", "Retribusi"),
    "total": ("Total", "Jumlah"),
    "billable": ("billable", "dapat ditagih"),
    "not_billable": ("outside right-of-way", "di luar Rumija"),
    "paid": ("paid", "lunas"),
    "unpaid": ("unpaid", "belum bayar"),
    "no_permit": ("no permit", "tanpa izin"),
    "legal_basis": ("Legal basis", "Dasar hukum"),
    "quantity": ("Quantity", "Volume"),
    "unit": ("Unit", "Satuan"),
    "estimated_cost_rp": ("Estimated cost (Rp)", "Perkiraan biaya (Rp)"),
    "condition_nk": ("Condition (NK 0–5)", "Nilai kondisi (NK 0–5)"),
    "kabupaten": ("Regency / city", "Kabupaten / kota"),
    "count": ("Count", "Jumlah"),
    "priority": ("Priority", "Prioritas"),
    "summary": ("Summary", "Ringkasan"),
    "line_items": ("Line items", "Rincian"),
    "parameters": ("Parameters", "Parameter"),
}


def t(key: str, lang: str = "en") -> str:
    """The label for ``key`` in ``lang``; unknown keys come back unchanged."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    pair = TERMS.get(key)
    if pair is None:
        return key
    return pair[LANGUAGES.index(lang)]
