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
    # inventory report (geoasset report)
    "links": ("Links", "Jumlah ruas"),
    "lines": ("Lines", "Jaringan"),
    "report_roads_by_status": ("Road length by status", "Panjang jalan menurut status"),
    "report_roads_by_function": (
        "Road length by function and network",
        "Panjang jalan menurut fungsi dan sistem jaringan",
    ),
    "report_roads_by_condition": ("Road length by condition", "Panjang jalan menurut kondisi"),
    "report_bridges_by_condition": (
        "Bridges by BMS condition (NK 0–5)",
        "Jembatan menurut nilai kondisi BMS (NK 0–5)",
    ),
    "report_bridge_priority": (
        "Bridges, worst condition first, then longest",
        "Prioritas jembatan: kondisi terburuk dahulu, lalu terpanjang",
    ),
    "report_monuments_by_status": (
        "Monuments by status with estimated cost",
        "Monumen menurut status dan perkiraan biaya",
    ),
    "report_poles_by_owner": ("Poles by owner and kind", "Tiang menurut pemilik dan jenis"),
    "report_lines_by_owner": (
        "Utility line length by owner and kind",
        "Panjang jaringan utilitas menurut pemilik dan jenis",
    ),
    # field names shown in map popups
    "pole_id": ("Pole id", "ID tiang"),
    "line_id": ("Line id", "ID jaringan"),
    "bridge_id": ("Bridge id", "ID jembatan"),
    "monument_id": ("Monument id", "ID monumen"),
    "corridor_id": ("Corridor id", "ID koridor"),
    "item_id": ("Item id", "ID rincian"),
    "tariff_id": ("Tariff id", "Kode tarif"),
    "name": ("Name", "Nama"),
    "kind": ("Kind", "Jenis"),
    "height_m": ("Height (m)", "Tinggi (m)"),
    "material": ("Material", "Bahan"),
    "permit_no": ("Permit no.", "No. izin"),
    "surveyed_on": ("Surveyed on", "Tanggal survei"),
    "photo": ("Photo", "Foto"),
    "source": ("Source", "Sumber"),
    "sta_m": ("Chainage (m)", "Stasioning (m)"),
    "road_name": ("Road name", "Nama ruas"),
    "road_status": ("Road status", "Status jalan"),
    "road_class": ("Road class", "Kelas jalan"),
    "sta_from_m": ("From chainage (m)", "Dari STA (m)"),
    "sta_to_m": ("To chainage (m)", "Sampai STA (m)"),
    "width_source": ("Width from", "Sumber lebar"),
    "metric_crs": ("Metric CRS", "CRS metrik"),
    "installed_on": ("Installed on", "Tanggal pasang"),
    "spans": ("Spans", "Jumlah bentang"),
    # survey forms: the location question and coded values of the layer specification
    "location": ("Location", "Lokasi"),
    "electric": ("Electric", "Listrik"),
    "telecom": ("Telecom", "Telekomunikasi"),
    "street_light": ("Street light", "Penerangan jalan"),
    "other": ("Other", "Lainnya"),
    "overhead_cable": ("Overhead cable", "Kabel udara"),
    "buried_cable": ("Buried cable", "Kabel tanam"),
    "fibre": ("Fibre optic", "Serat optik"),
    "water_pipe": ("Water pipe", "Pipa air"),
    "gas_pipe": ("Gas pipe", "Pipa gas"),
    "planned": ("Planned", "Direncanakan"),
    "under_construction": ("Under construction", "Dalam pembangunan"),
    "stalled": ("Stalled", "Terhenti"),
    "complete": ("Complete", "Selesai"),
    "structure_type": ("Structure type", "Tipe bangunan atas"),
    "year_built": ("Year built", "Tahun dibangun"),
    "inspected_on": ("Inspected on", "Tanggal inspeksi"),
    "funding": ("Funding", "Sumber dana"),
    "network": ("Network", "Sistem jaringan"),
    "surface": ("Surface", "Perkerasan"),
    "rumija_m": ("Rumija width (m)", "Lebar Rumija (m)"),
    "sta_start_m": ("Chainage at start (m)", "STA awal (m)"),
    "days": ("Days billed", "Hari ditagih"),
    "period_days": ("Days in period", "Hari dalam periode"),
    "payment_status": ("Payment", "Status pembayaran"),
    # field-review map
    "map_title": ("Field review map", "Peta tinjauan lapangan"),
    "map_index_title": ("Corridor field maps", "Peta lapangan per koridor"),
    "map_corridors_short": ("corridors", "koridor"),
    "map_pole": ("Pole", "Tiang"),
    "map_utility_line": ("Utility line", "Jaringan utilitas"),
    "map_bridge": ("Bridge", "Jembatan"),
    "map_monument": ("Monument", "Monumen"),
    "map_osm": ("OpenStreetMap", "OpenStreetMap"),
    "map_satellite": ("Satellite (Esri World Imagery)", "Citra satelit (Esri World Imagery)"),
    "map_plain": ("Plain background", "Latar polos"),
    "map_tiles_offline": (
        "Background map unavailable (offline): plain background shown",
        "Peta dasar tidak tersedia (luring): latar polos ditampilkan",
    ),
    "map_legend": ("Legend", "Legenda"),
    "map_pole_status": ("Poles – billing status", "Tiang – status penagihan"),
    "map_not_assessed": ("not assessed", "belum dinilai"),
    "map_no_revenue": ("no retribution", "tanpa retribusi"),
    "map_unknown": ("unknown", "tidak diketahui"),
    "map_other": ("other owners", "pemilik lain"),
    "map_overhead": ("overhead / fibre", "udara / serat optik"),
    "map_underground": ("underground", "bawah tanah"),
    "map_chainage": ("Chainage: ticks 100 m, STA 1 km", "Stasioning: tanda 100 m, STA 1 km"),
    "map_on_centreline": ("on the centreline", "di as jalan"),
    "map_attributes": ("Attributes", "Atribut"),
    "map_clicked_point": ("At the clicked point", "Pada titik yang diklik"),
    "map_item": ("Line item", "Rincian"),
    "map_items": ("Line items", "Jumlah rincian"),
    "map_photo_missing": ("photo missing", "foto tidak ditemukan"),
    "map_search": ("Find", "Cari"),
    "map_search_placeholder": ("Asset id, e.g. a pole number", "ID aset, mis. nomor tiang"),
    "map_not_found": ("Not found", "Tidak ditemukan"),
    "map_measure": ("Measure a distance", "Ukur jarak"),
    "map_measure_hint": (
        "Click points on the map; click the ruler again (or Esc) to finish",
        "Klik titik-titik di peta; klik penggaris lagi (atau Esc) untuk selesai",
    ),
    "map_distance": ("Distance", "Jarak"),
    "map_fullscreen": ("Full screen", "Layar penuh"),
    "map_fullscreen_unavailable": ("Full screen is not available", "Layar penuh tidak tersedia"),
    "map_locate": ("Show my location", "Tampilkan lokasi saya"),
    "map_location_unavailable": ("Location not available", "Lokasi tidak tersedia"),
    "map_you_are_here": ("You are here", "Posisi Anda"),
    "map_accuracy": ("Accuracy", "Akurasi"),
    "map_nearest": ("nearest road", "ruas terdekat"),
    "map_no_road_near": ("No road within 50 m", "Tidak ada ruas dalam 50 m"),
    "map_open_corridor": ("Open the corridor map", "Buka peta koridor"),
    "map_billed_poles": ("Billed poles", "Tiang ditagih"),
    "map_light": (
        "city overview, detail in the corridor maps",
        "ikhtisar kota, rincian di peta koridor",
    ),
    "map_poles_from_zoom": ("drawn from zoom level", "tampil mulai tingkat zoom"),
    "map_light_areas": (
        "city overview, detail in the area maps",
        "ikhtisar kota, rincian di peta area",
    ),
    "map_open_area_of": (
        "Open the map of the area with corridor",
        "Buka peta area yang memuat koridor",
    ),
    "map_area": ("Area", "Area"),
    "map_areas_short": ("areas", "area"),
    "map_n_corridors": ("Corridors", "Koridor"),
    "map_area_index_title": ("Field maps per area", "Peta lapangan per area"),
    "map_area_note": (
        "Areas are squares of {size} ({crs}). Each corridor is in the area holding a point "
        "of its surface, each pole or line with the corridor it is billed in (else the "
        "corridor it stands in, else the corridor of its road at its chainage): nothing is drawn or counted twice.",
        "Area berupa bujur sangkar {size} ({crs}). Setiap koridor masuk area yang memuat "
        "satu titik permukaannya, setiap tiang atau jaringan ikut koridor tempat ia "
        "ditagih (jika tidak, koridor tempat ia berdiri, atau koridor ruasnya pada "
        "STA-nya): tidak ada yang "
        "digambar atau dihitung dua kali.",
    ),
    # printed map sheets (geoasset mapbook)
    "mapbook_title": ("Map sheet", "Peta lembar"),
    "mapbook_sheet": ("Sheet", "Lembar"),
    "mapbook_scale": ("Scale", "Skala"),
    "mapbook_scale_changed": (
        "Scale changed from 1:{scale} so that the stretch fits the sheet",
        "Skala diubah dari 1:{scale} agar ruas muat pada lembar",
    ),
    "mapbook_stretch": ("stretch", "panjang segmen"),
    "mapbook_grid": ("Grid", "Grid koordinat"),
    "mapbook_date": ("Date", "Tanggal"),
    "mapbook_north": ("N", "U"),
    "mapbook_grid_north": ("grid north", "utara grid"),
    "mapbook_key_map": ("Key map", "Peta kunci"),
    "mapbook_assets": ("Assets on this sheet", "Aset pada lembar ini"),
    "mapbook_no_assets": ("No assets on this stretch", "Tidak ada aset pada segmen ini"),
    "mapbook_more": ("… and {n} more (ids are on the map)", "… dan {n} lainnya (ID ada di peta)"),
    "mapbook_id": ("Id", "ID"),
    "mapbook_offset": ("Offset m", "Jarak m"),
    "mapbook_on": ("on", "di as"),
    "mapbook_corridor": ("Right-of-way (Rumija)", "Rumija"),
    "mapbook_centreline": ("Centreline, STA every 100 m", "As jalan, STA tiap 100 m"),
    "mapbook_match": ("Sheet boundary", "Batas lembar"),
    "mapbook_other_sheet": ("Asset on another sheet", "Aset pada lembar lain"),
    "map_background": (
        "Background (boundaries, roads, places)",
        "Latar (batas wilayah, jalan, nama tempat)",
    ),
    "map_basemap": ("Offline basemap", "Peta dasar luring"),
    "map_panel_toggle": (
        "Show or hide the title and search",
        "Tampilkan atau sembunyikan judul dan pencarian",
    ),
    "map_search_placeholder_all": (
        "Id, name, owner or STA (12+300)",
        "ID, nama, pemilik atau STA (12+300)",
    ),
    "map_snap": ("Snap measure points to assets", "Tempelkan titik ukur ke aset"),
    "map_id_labels": ("Asset ids", "ID aset"),
    "map_photo_in_map": ("Photo in the corridor map", "Foto di peta koridor"),
    "map_background_credit": ("Boundaries", "Batas wilayah"),
}


def t(key: str, lang: str = "en") -> str:
    """The label for ``key`` in ``lang``; unknown keys come back unchanged."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    pair = TERMS.get(key)
    if pair is None:
        return key
    return pair[LANGUAGES.index(lang)]
