"""With ``--lang id`` no English word of the term table is left in what officers read
(CLI output, workbook headers, sheet names and coded values, PDFs); with ``--lang en`` no
Indonesian one. Data (owner names, legal bases, settings, ids, paths) is left out of the
scan: it is printed as written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from geoasset.i18n import CODED_COLUMNS, TERMS, coded, header
from geoasset.owners import load_owners
from geoasset.statements import amount_in_words, load_statement_settings
from tests.test_statements import OWNERS, SETTINGS, pdf_text

LAYERS = Path(__file__).parent.parent / "layers"
TARIFFS = LAYERS / "tariffs_example.csv"

_WORD = re.compile(r"[^\W\d_]{3,}")


def words(text: str) -> set[str]:
    text = re.sub(r"\{\w+\}", " ", str(text))
    return {w.casefold() for w in _WORD.findall(text)}


ENGLISH = set().union(*(words(en) for en, _ in TERMS.values()))
INDONESIAN = set().union(*(words(id_) for _, id_ in TERMS.values()))
ENGLISH_ONLY = ENGLISH - INDONESIAN
INDONESIAN_ONLY = INDONESIAN - ENGLISH


def test_the_term_table_has_both_languages_for_every_key():
    assert all(en.strip() and id_.strip() for en, id_ in TERMS.values())
    assert {"the", "and", "paid", "unpaid", "permit"} <= ENGLISH_ONLY
    assert {"dan", "tahun", "lunas", "izin", "tunggakan"} <= INDONESIAN_ONLY
    assert wrong_words("Jumlah the amount paid", "id") == {"the", "amount", "paid"}
    assert wrong_words("Amount due: belum dibayar", "en") == {"belum", "dibayar"}


def _data_strings() -> list[str]:
    """Text printed as written: owners and their register rows, settings, legal bases."""
    register = load_owners(OWNERS)
    strings = [str(v) for v in register.companies.to_numpy().ravel()]
    strings += [
        "Pemkot Kupang",
        "Koperasi Kios Oesapa",
        "PT Reklame Timor",
        "PDAM Kota Kupang",
        "PT PLN (Persero) UIW NTT",
    ]
    settings = load_statement_settings(SETTINGS)
    strings += [str(v) for v in vars(settings).values() if isinstance(v, str)]
    with open(TARIFFS, encoding="utf-8") as handle:
        strings += re.findall(r'"([^"]+)"', handle.read())  # the legal bases
    return sorted({s for s in strings if s}, key=len, reverse=True)


DATA = _data_strings()
_PATHS = re.compile(r"\S*[/\\]\S*|\S+\.(?:gpkg|xlsx|csv|pdf|html|qgs)\b")
_IDS = re.compile(r"\b[A-Z]{2,}[-/][\w./-]*|\bSTA \d+\+\d{3}|\b[a-z]+(?:_[a-z0-9]+)+\b")


def scrub(text: str, *, lang: str, extra=()) -> str:
    """``text`` without data, paths, ids and (in English) the Indonesian amount in words."""
    for value in [*extra, *DATA]:
        text = text.replace(value, " ")
    text = _PATHS.sub(" ", text)
    text = _IDS.sub(" ", text)
    if lang == "en":  # "In words (Indonesian)": terbilang stays Indonesian by law
        text = re.sub(r"In words \(Indonesian\): [a-z ]+rupiah", " ", text)
        text = re.sub(r"Amount due in words \(Indonesian\): [a-z ]+rupiah", " ", text)
    return text


def wrong_words(text: str, lang: str) -> set[str]:
    found = words(text)
    return found & (ENGLISH_ONLY if lang == "id" else INDONESIAN_ONLY)


def invoke(*args, lang):
    return CliRunner(env={"GEOASSET_LANG": lang}).invoke(cli_group(), [str(a) for a in args])


def cli_group():
    from geoasset.cli.main import cli

    return cli


@pytest.fixture(scope="module")
def outputs(kupang_session, tmp_path_factory):
    """Every output of the billing commands, in both languages, on Kupang with areas,
    permits, payments and arrears from 2025."""
    folder = tmp_path_factory.mktemp("language")
    inventory = folder / "inventory.gpkg"
    shutil.copy(kupang_session.inventory, inventory)
    texts: dict[str, list[str]] = {"id": [], "en": []}
    tariffs_2025 = folder / "tariffs_2025.csv"
    tariffs_2025.write_text(TARIFFS.read_text(encoding="utf-8").replace("2026-", "2025-"))
    settings = folder / "settings.toml"
    settings.write_text(
        SETTINGS.read_text(encoding="utf-8").replace(
            "percent_per_month = 0", "percent_per_month = 2"
        )
    )
    steps = [
        ("id", ["import", inventory, "areas", LAYERS / "areas_example.geojson"]),
        ("id", ["permits", inventory, LAYERS / "permits_example.csv"]),
        ("en", ["payments", inventory, LAYERS / "payments_example.csv"]),
        (
            "id",
            [
                "assess",
                inventory,
                "--tariffs",
                tariffs_2025,
                "--year",
                2025,
                "-o",
                folder / "r2025.xlsx",
            ],
        ),
        (
            "id",
            [
                "statements",
                inventory,
                "--year",
                2025,
                "-o",
                folder / "s2025",
                "--owners",
                OWNERS,
                "--settings",
                settings,
                "--issued-on",
                "2025-03-03",
            ],
        ),
        (
            "en",
            ["assess", inventory, "--tariffs", TARIFFS, "--year", 2026, "-o", folder / "en.xlsx"],
        ),
        (
            "id",
            [
                "assess",
                inventory,
                "--tariffs",
                TARIFFS,
                "--year",
                2026,
                "-o",
                folder / "id.xlsx",
                "--overwrite",
            ],
        ),
    ]
    for lang in ("id", "en"):
        steps.append(
            (
                lang,
                [
                    "statements",
                    inventory,
                    "--year",
                    2026,
                    "-o",
                    folder / f"skrd_{lang}",
                    "--owners",
                    OWNERS,
                    "--settings",
                    settings,
                    "--issued-on",
                    "2026-03-02",
                ],
            )
        )
    for lang, args in steps:
        done = invoke(*args, lang=lang)
        assert done.exit_code == 0, (args, done.output)
        if args[0] != "import":  # the import report is another command's (not billing)
            texts[lang].append(done.output)
    return folder, texts


def test_cli_output_speaks_one_language(outputs):
    _, texts = outputs
    for lang in ("id", "en"):
        for text in texts[lang]:
            assert not wrong_words(scrub(text, lang=lang), lang), (lang, text)
    joined = "\n".join(texts["id"])
    assert "Jumlah yang harus dibayar" in joined and "tunggakan" in joined
    assert re.search(r"Rp \d{1,3}(\.\d{3})+", joined)  # Indonesian grouping (Babel)
    assert not re.search(r"Rp \d{1,3}(,\d{3})+", joined)
    english = "\n".join(texts["en"])
    assert re.search(r"Rp \d{1,3}(,\d{3})+", english)


def workbook_labels(path: Path) -> str:
    """Sheet names, headers, the field names of a head sheet and every coded value."""
    book = load_workbook(path, read_only=True)
    parts = list(book.sheetnames)
    coded_headers = {header(c, lang) for c in CODED_COLUMNS for lang in ("id", "en")}
    label_headers = {header(c, lang) for c in ("field", "parameter") for lang in ("id", "en")}
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        head = [str(h) for h in next(rows, ())]
        parts += head
        wanted = [i for i, h in enumerate(head) if h in coded_headers | label_headers]
        for row in rows:
            parts += [str(row[i]) for i in wanted if i < len(row) and row[i] is not None]
    book.close()
    return "\n".join(parts)


def test_workbooks_speak_one_language(outputs):
    folder, _ = outputs
    books = {
        "id": [folder / "id.xlsx", *sorted((folder / "skrd_id").glob("*.xlsx"))],
        "en": [*sorted((folder / "skrd_en").glob("*.xlsx"))],
    }
    for lang, paths in books.items():
        assert len(paths) > 5
        for path in paths:
            text = scrub(workbook_labels(path), lang=lang)
            assert not wrong_words(text, lang), (path.name, wrong_words(text, lang))
    labels = workbook_labels(folder / "id.xlsx")
    for value in ("Listrik", "Serat optik", "per meter per tahun", "Tiang", "di luar Rumija"):
        assert value in labels
    assert "electric" not in labels and "per_m_year" not in labels


def test_pdfs_speak_one_language(outputs):
    folder, _ = outputs
    for lang in ("id", "en"):
        pdfs = sorted((folder / f"skrd_{lang}").glob("*.pdf"))
        assert len(pdfs) > 5
        for path in pdfs:
            text = scrub(pdf_text(path), lang=lang)
            assert not wrong_words(text, lang), (path.name, wrong_words(text, lang))
    text = pdf_text(next((folder / "skrd_id").glob("*PT-PLN*.pdf")))
    assert "Tunggakan tahun sebelumnya" in text and "dibayar sebagian" in text


def test_coded_values_have_words_in_both_languages():
    import pandas as pd

    from geoasset.schema import LAYERS as SPECS

    for spec in SPECS.values():
        for field in spec.fields:
            if field.name == "kind" and field.allowed:
                values = pd.Series(list(field.allowed))
                for lang in ("id", "en"):
                    assert not (coded("kind", values, lang) == values).any(), spec.name
    assert amount_in_words(1000) == "seribu rupiah"


def test_run_summary_speaks_one_language(kupang_session):
    for lang in ("id", "en"):
        text = "\n".join(kupang_session.lines(lang))
        assert not wrong_words(scrub(text, lang=lang), lang), text
    indonesian = "\n".join(kupang_session.lines("id"))
    assert f"Rp {kupang_session.total_rp:,} per tahun".replace(",", ".") in indonesian
    assert "laporan retribusi" in indonesian and "temuan QA" in indonesian
