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

import re

__all__ = [
    "LANGUAGES",
    "TERMS",
    "coded",
    "header",
    "in_words",
    "people_table",
    "t",
]

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
    # statements (draft SKRD), permits, payments and the warning list
    "skrd_title": (
        "REGIONAL RETRIBUTION ASSESSMENT (SKRD)",
        "SURAT KETETAPAN RETRIBUSI DAERAH (SKRD)",
    ),
    "skrd_subtitle": (
        "Retribution for the use of road land (Rumija) — DRAFT",
        "Retribusi pemanfaatan ruang milik jalan (Rumija) — DRAF",
    ),
    "skrd_unconfigured": (
        "Draft without office settings (no settings file given)",
        "Draf tanpa pengaturan kantor (berkas pengaturan tidak diberikan)",
    ),
    "skrd_number": ("Number", "Nomor"),
    "skrd_year": ("Year", "Tahun"),
    "skrd_period": ("Period", "Masa retribusi"),
    "skrd_to": ("To", "Kepada"),
    "skrd_owner_id": ("Owner code", "Kode pemilik"),
    "skrd_address": ("Address", "Alamat"),
    "skrd_tax_id": ("Retribution no. (NPWRD)", "NPWRD"),
    "skrd_contact": ("Contact", "Kontak"),
    "skrd_aliases": ("Other names", "Nama lain"),
    "skrd_written": ("Names in the inventory", "Nama dalam inventaris"),
    "skrd_objects": ("Objects assessed", "Rincian objek retribusi"),
    "skrd_no": ("No", "No"),
    "skrd_asset": ("Asset", "Aset"),
    "skrd_layer": ("Object", "Objek"),
    "skrd_quantity_unit": ("Measured in", "Satuan volume"),
    "skrd_days": ("Days", "Hari"),
    "skrd_billed_from": ("Billed from", "Ditagih dari"),
    "skrd_billed_to": ("Billed to", "Ditagih sampai"),
    "skrd_basis": ("Legal basis of the tariffs", "Dasar hukum tarif"),
    "skrd_total": ("Amount assessed", "Jumlah ketetapan"),
    "skrd_words": ("In words (Indonesian)", "Terbilang"),
    "skrd_due": ("Due date", "Jatuh tempo"),
    "skrd_issued": ("Issued", "Tanggal terbit"),
    "skrd_account": ("Account code", "Kode rekening"),
    "skrd_bank": ("Pay to", "Pembayaran ke"),
    "skrd_page": ("Page", "Halaman"),
    "skrd_note": ("Note", "Catatan"),
    "skrd_field": ("Field", "Isian"),
    "skrd_value": ("Value", "Nilai"),
    "skrd_no_register": (
        "No owners register: addressed as written in the inventory",
        "Tanpa daftar pemilik: nama sesuai inventaris",
    ),
    "skrd_not_in_register": (
        "Owner not in the owners register: addressed as written in the inventory",
        "Pemilik tidak ada di daftar pemilik: nama sesuai inventaris",
    ),
    "skrd_this_year": ("This year", "Tahun berjalan"),
    "skrd_paid": ("Paid this year", "Sudah dibayar tahun ini"),
    "skrd_unpaid": ("Billed and unpaid this year", "Ditagih dan belum dibayar tahun ini"),
    "skrd_no_permit": (
        "Assets without a permit (this year)",
        "Aset tanpa izin (tahun ini)",
    ),
    "skrd_arrears": ("Arrears from earlier years", "Tunggakan tahun sebelumnya"),
    "skrd_arrears_none": ("No arrears from earlier years", "Tidak ada tunggakan tahun sebelumnya"),
    "skrd_outstanding": ("Outstanding (Rp)", "Sisa tunggakan (Rp)"),
    "skrd_months_late": ("Months late", "Bulan terlambat"),
    "skrd_sanction": ("Late-payment sanction", "Sanksi administratif"),
    "skrd_sanction_rp": ("Sanction (Rp)", "Sanksi (Rp)"),
    "skrd_sanction_rate": (
        "{rate}% per month, at most {months} months",
        "{rate}% per bulan, paling lama {months} bulan",
    ),
    "skrd_due_rp": ("Amount due", "Jumlah yang harus dibayar"),
    "skrd_due_words": ("Amount due in words (Indonesian)", "Terbilang jumlah yang harus dibayar"),
    "skrd_assets": ("Assets", "Jumlah aset"),
    "skrd_items": ("Line items", "Jumlah rincian"),
    "skrd_pdf": ("PDF file", "Berkas PDF"),
    "skrd_statement": ("Statement", "Ketetapan"),
    "skrd_warning_list": ("No permit", "Tanpa izin"),
    "skrd_sheet_head": ("SKRD", "SKRD"),
    "skrd_sheet_arrears": ("Arrears", "Tunggakan"),
    "skrd_sheet_index": ("Statements", "Daftar SKRD"),
    "skrd_made": ("statement(s)", "SKRD"),
    "skrd_index": ("index", "daftar"),
    "skrd_warnings_file": (
        "assets without a permit (for warning letters)",
        "aset tanpa izin (untuk surat teguran)",
    ),
    "partly_paid": ("partly paid", "dibayar sebagian"),
    "paid_rp": ("Paid (Rp)", "Dibayar (Rp)"),
    "unpaid_rp": ("Unpaid (Rp)", "Belum dibayar (Rp)"),
    "paid_days": ("Days paid", "Hari dibayar"),
    "unpaid_days": ("Days unpaid", "Hari belum dibayar"),
    "no_permit_rp": ("Without a permit (Rp)", "Tanpa izin (Rp)"),
    "arrears_rp": ("Arrears (Rp)", "Tunggakan (Rp)"),
    "due_rp": ("Amount due (Rp)", "Harus dibayar (Rp)"),
    "total_rp": ("Amount assessed (Rp)", "Jumlah ketetapan (Rp)"),
    "per_unit_year": ("per unit per year", "per buah per tahun"),
    "per_m_year": ("per metre per year", "per meter per tahun"),
    "per_m2_year": ("per m² per year", "per m² per tahun"),
    "per_unit_day": ("per unit per day", "per buah per hari"),
    "qty_unit": ("unit", "buah"),
    "qty_m": ("m", "m"),
    "qty_m2": ("m²", "m²"),
    "areas": ("Area uses", "Pemanfaatan lahan"),
    "area_id": ("Area id", "ID pemanfaatan lahan"),
    "kiosk": ("Kiosk", "Kios"),
    "cabinet": ("Cabinet", "Kabinet"),
    "billboard": ("Billboard footing", "Fondasi reklame"),
    "permits": ("Permits", "Izin"),
    "payments": ("Payments", "Pembayaran"),
    "valid_from": ("Valid from", "Berlaku dari"),
    "valid_to": ("Valid to", "Berlaku sampai"),
    "assets": ("Assets", "Aset"),
    "payment_id": ("Receipt no.", "No. bukti bayar"),
    "paid_on": ("Paid on", "Tanggal bayar"),
    "period_from": ("Period from", "Masa dari"),
    "period_to": ("Period to", "Masa sampai"),
    "reference": ("Reference", "Referensi"),
    "note": ("Note", "Catatan"),
    "imported": ("imported", "diimpor"),
    "into": ("into", "ke"),
    "rows": ("row(s)", "baris"),
    # retribution workbook and summaries: column headers, coded values, parameters
    "asset_id": ("Asset id", "ID aset"),
    "layer": ("Object", "Objek"),
    "object": ("Object", "Objek"),
    "pole": ("Pole", "Tiang"),
    "utility_line": ("Utility line", "Jaringan utilitas"),
    "area": ("Area use", "Pemanfaatan lahan"),
    "quantity_unit": ("Measured in", "Satuan volume"),
    "billed_from": ("Billed from", "Ditagih dari"),
    "billed_to": ("Billed to", "Ditagih sampai"),
    "day_fraction": ("Share of the year", "Bagian tahun"),
    "lon": ("Longitude", "Bujur"),
    "lat": ("Latitude", "Lintang"),
    "items": ("Line items", "Jumlah rincian"),
    "line_m": ("Line length (m)", "Panjang jaringan (m)"),
    "reason": ("Reason", "Alasan"),
    "detail": ("Detail", "Keterangan"),
    "quantity_outside": ("Quantity outside the corridors", "Volume di luar koridor"),
    "distance_to_corridor_m": ("Distance to a corridor (m)", "Jarak ke koridor (m)"),
    "nearest_corridor_id": ("Nearest corridor", "Koridor terdekat"),
    "source_row": ("Row in the file", "Baris dalam berkas"),
    "source_file": ("File", "Berkas"),
    "parameter": ("Parameter", "Parameter"),
    "value": ("Value", "Nilai"),
    "unknown": ("unknown", "tidak diketahui"),
    "outside_right_of_way": ("outside the right-of-way", "di luar Rumija"),
    "partly_outside": ("partly outside the right-of-way", "sebagian di luar Rumija"),
    "not_in_period": ("not there in the period", "tidak ada dalam periode"),
    "no_tariff": ("no tariff row applies", "tidak ada baris tarif yang berlaku"),
    "no_geometry": ("no geometry", "tanpa geometri"),
    "invalid_row": ("fails the layer specification", "tidak memenuhi spesifikasi lapisan"),
    "detail_from_corridor": ("{d} m from corridor {c}", "{d} m dari koridor {c}"),
    "detail_beyond": (
        "more than {d} m from any corridor",
        "lebih dari {d} m dari koridor mana pun",
    ),
    "param_period_from": ("First day billed", "Hari pertama ditagih"),
    "param_period_to": ("Last day billed", "Hari terakhir ditagih"),
    "param_period_days": ("Days in the period", "Hari dalam periode"),
    "param_year": ("Year", "Tahun"),
    "param_metric_crs": ("Metric CRS", "CRS metrik"),
    "param_tariff_source": ("Tariff file", "Berkas tarif"),
    "param_tariff_sha256": ("Tariff file fingerprint (SHA-256)", "Sidik berkas tarif (SHA-256)"),
    "param_permits_source": ("Permits file", "Berkas izin"),
    "param_day_count": ("Day count", "Perhitungan hari"),
    "param_rounding": ("Rounding", "Pembulatan"),
    "param_boundary_rule": ("Boundary rule", "Aturan batas koridor"),
    "param_search_distance_m": ("Search distance (m)", "Jarak pencarian (m)"),
    "param_corridors": ("Corridors", "Jumlah koridor"),
    "param_assets_poles": ("Poles", "Tiang"),
    "param_assets_utility_lines": ("Utility lines", "Jaringan utilitas"),
    "param_assets_areas": ("Area uses", "Pemanfaatan lahan"),
    "param_invalid_rows": ("Rows failing the specification", "Baris tidak sesuai spesifikasi"),
    "param_line_items": ("Line items", "Jumlah rincian"),
    "param_not_billable": ("Not billed", "Tidak ditagih"),
    "param_grand_total_rp": ("Grand total (Rp)", "Jumlah total (Rp)"),
    "param_generated_utc": ("Made at (UTC)", "Dibuat pada (UTC)"),
    "rule_day_count": (
        "actual/actual: days billed, both ends included, divided by the days of their "
        "calendar year (365 or 366), summed over the years of the period; daily rates × "
        "days billed",
        "aktual/aktual: hari ditagih, kedua ujung dihitung, dibagi jumlah hari tahun "
        "kalendernya (365 atau 366), dijumlahkan per tahun dalam periode; tarif harian × "
        "hari ditagih",
    ),
    "rule_rounding": (
        "each line item computed exactly from rate, quantity (rounded half-up to 0.01) and "
        "days, then rounded half-up to the whole rupiah; totals are sums of line items",
        "setiap rincian dihitung tepat dari tarif, volume (dibulatkan setengah ke atas ke "
        "0,01) dan hari, lalu dibulatkan setengah ke atas ke rupiah penuh; jumlah adalah "
        "penjumlahan rincian",
    ),
    "rule_boundary_rule": (
        "an asset (or part of a line) on the boundary shared by two corridors is billed to "
        "the corridor with the smallest corridor_id",
        "aset (atau bagian jaringan) tepat di batas dua koridor ditagih ke koridor dengan "
        "corridor_id terkecil",
    ),
    "sheet_totals_corridor": ("Corridors", "Koridor"),
    "sheet_totals_owner": ("Owners", "Pemilik"),
    "sheet_totals_road": ("Roads", "Ruas jalan"),
    "sheet_totals_kabupaten": ("Kabupaten", "Kabupaten"),
    "sheet_line_items": ("Line items", "Rincian"),
    "sheet_not_billable": ("Not billable", "Tidak ditagih"),
    "sheet_tariffs_used": ("Tariffs used", "Tarif"),
    "sheet_parameters": ("Parameters", "Parameter"),
    "sheet_roads_by_status": ("Roads by status", "Jalan per status"),
    "sheet_roads_by_function": ("Roads by function", "Jalan per fungsi"),
    "sheet_roads_by_condition": ("Roads by condition", "Jalan per kondisi"),
    "sheet_bridges_by_condition": ("Bridges by condition", "Jembatan per kondisi"),
    "sheet_bridge_priority": ("Bridge priority", "Prioritas jembatan"),
    "sheet_monuments_by_status": ("Monuments by status", "Monumen per status"),
    "sheet_poles_by_owner": ("Poles by owner", "Tiang per pemilik"),
    "sheet_lines_by_owner": ("Lines by owner", "Jaringan per pemilik"),
    # terminal summaries of assess and run
    "sum_retribution": ("retribution", "retribusi"),
    "sum_corridor": ("corridor", "koridor"),
    "sum_road": ("road", "ruas"),
    "sum_poles": ("poles", "tiang"),
    "sum_line_m": ("line m", "jaringan m"),
    "sum_area_m2": ("area m²", "luas m²"),
    "sum_amount": ("amount (Rp)", "jumlah (Rp)"),
    "sum_arrears": ("arrears (Rp)", "tunggakan (Rp)"),
    "sum_total": ("TOTAL", "JUMLAH"),
    "sum_more_corridors": ("... {n} more corridors", "... {n} koridor lainnya"),
    "sum_line_items": ("line items", "rincian"),
    "sum_not_billed": ("not billed", "tidak ditagih"),
    "sum_assessing": (
        "assessing {assets} assets against {corridors} corridors",
        "menilai {assets} aset terhadap {corridors} koridor",
    ),
    "sum_wrote_layers": ("wrote layers {layers} to {path}", "lapisan {layers} ditulis ke {path}"),
    "sum_wrote": ("wrote {path}", "ditulis: {path}"),
    "run_inventory": ("inventory", "inventaris"),
    "run_imported": ("imported", "diimpor"),
    "run_refused": ("refused", "ditolak"),
    "run_assets": ("assets", "aset"),
    "run_corridors": ("corridors", "koridor"),
    "run_qa": ("QA findings", "temuan QA"),
    "run_qa_counts": (
        "{errors} errors, {warnings} warnings",
        "{errors} galat, {warnings} peringatan",
    ),
    "run_billable": ("billable assets", "aset ditagih"),
    "run_total": ("total {year}", "jumlah {year}"),
    "run_per_year": ("per year", "per tahun"),
    "run_revenue_report": ("revenue report", "laporan retribusi"),
    "run_inventory_report": ("inventory report", "laporan inventaris"),
    "run_field_map": ("field map", "peta lapangan"),
    "run_corridor_maps": ("corridor maps", "peta koridor"),
    "run_qgis_project": ("QGIS project", "proyek QGIS"),
    "run_rejects": ("rejects {layer}", "ditolak {layer}"),
    "stage_import": ("import", "impor"),
    "stage_corridors": ("corridors", "koridor"),
    "stage_chainage": ("chainage", "stasioning"),
    "stage_qa": ("QA", "QA"),
    "stage_assess": ("assess", "penilaian"),
    "stage_reports": ("reports", "laporan"),
    "stage_maps": ("maps", "peta"),
    "stage_qgis": ("QGIS", "QGIS"),
    "stage_step": ("step", "langkah"),
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
}


def t(key: str, lang: str = "en") -> str:
    """The label for ``key`` in ``lang``; unknown keys come back unchanged."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    pair = TERMS.get(key)
    if pair is None:
        return key
    return pair[LANGUAGES.index(lang)]


#: column -> term key of its header, where the key is not the column's own name
HEADER_TERMS = {
    "days": "skrd_days",
    "owner_name": "skrd_to",
    "names_as_written": "skrd_written",
    "number": "skrd_number",
    "year": "skrd_year",
    "owner_id": "skrd_owner_id",
    "sanction_rp": "skrd_sanction_rp",
    "due_on": "skrd_due",
    "issued_on": "skrd_issued",
    "pdf": "skrd_pdf",
    "field": "skrd_field",
    "outstanding_rp": "skrd_outstanding",
    "months_late": "skrd_months_late",
    "statement": "skrd_statement",
    "assets": "skrd_assets",
    "corridor_id": "corridor",
    "asset_id": "skrd_asset",
}

#: columns holding coded values -> the term key of a value
CODED_COLUMNS = {
    "layer": "{}",
    "kind": "{}",
    "unit": "{}",
    "object": "{}",
    "quantity_unit": "qty_{}",
    "payment_status": "{}",
    "reason": "{}",
    "status": "{}",
}


def header(column: str, lang: str) -> str:
    """The header people read for a table column (the column's name when the term table
    has none).

    >>> header("amount_rp", "id"), header("payment_status", "en"), header("xyz", "id")
    ('Jumlah (Rp)', 'Payment', 'xyz')
    """
    key = HEADER_TERMS.get(column, column)
    return t(key, lang) if key in TERMS else column


def coded(column: str, values, lang: str):
    """Coded values of ``column`` (``electric``, ``per_m_year``, ``no_permit``) as words of
    ``lang``; values the term table does not know stay as they are.

    >>> import pandas as pd
    >>> coded("unit", pd.Series(["per_m_year", "custom", None]), "id").tolist()
    ['per meter per tahun', 'custom', '']
    """
    pattern = CODED_COLUMNS[column]
    text = values.astype(object).where(values.notna(), "").astype(str)
    words = {}
    for value in text.unique():
        key = pattern.format(value)
        words[value] = t(key, lang) if value and key in TERMS else value
    return text.map(words)


def people_table(frame, lang: str):
    """``frame`` with coded values in words and headers people read (a copy)."""
    out = frame.copy()
    for column in out.columns:
        if column in CODED_COLUMNS:
            out[column] = coded(column, out[column], lang)
    out.columns = [header(c, lang) for c in out.columns]
    return out


def in_words(frame, lang: str):
    """A table of a workbook with coded values, parameter names and rules, and the
    distance details of not-billable assets in words of ``lang`` (a copy; headers kept).

    >>> import pandas as pd
    >>> in_words(pd.DataFrame({"reason": ["partly_outside"],
    ...     "detail": ["2.44 m from corridor NTT-001"]}), "id").iloc[0].tolist()
    ['sebagian di luar Rumija', '2.44 m dari koridor NTT-001']
    """
    frame = frame.copy()
    for column in frame.columns:
        if column in CODED_COLUMNS:
            frame[column] = coded(column, frame[column], lang)
    if list(frame.columns) == ["parameter", "value"]:
        names = frame["parameter"].astype(str)
        frame["value"] = [
            t(f"rule_{n}", lang) if f"rule_{n}" in TERMS else v
            for n, v in zip(names, frame["value"], strict=True)
        ]
        frame["parameter"] = [t(f"param_{n}", lang) if f"param_{n}" in TERMS else n for n in names]
    if "detail" in frame.columns:
        frame["detail"] = [_detail_in_words(d, lang) for d in frame["detail"]]
    return frame


_DETAIL_FROM = re.compile(r"^([\d.,]+) m from corridor (.+)$")
_DETAIL_BEYOND = re.compile(r"^more than ([\d.,]+) m from any corridor$")


def _detail_in_words(detail, lang: str):
    """The distance details of not-billable assets in ``lang`` (others as they are)."""
    if not isinstance(detail, str):
        return detail
    match = _DETAIL_FROM.match(detail)
    if match:
        return t("detail_from_corridor", lang).format(d=match[1], c=match[2])
    match = _DETAIL_BEYOND.match(detail)
    if match:
        return t("detail_beyond", lang).format(d=match[1])
    return detail
