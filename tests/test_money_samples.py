"""Rupiah formatting and the lookup of the bundled reference layers."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import geoasset
from geoasset.money import format_rupiah, whole_rupiah
from geoasset.samples import LAYERS_ENV, bundled_layers

REPO_LAYERS = Path(__file__).resolve().parent.parent / "layers"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_grouping_matches_python_grouping(amount):
    # Independent rule: Python's own thousands separator, with dots for Indonesian.
    english = f"{amount:,}"
    assert format_rupiah(amount, lang="en") == f"Rp {english}"
    assert format_rupiah(amount, lang="id") == f"Rp {english.replace(',', '.')}"


def test_accepts_every_integral_amount_type():
    assert format_rupiah(np.int64(851357218)) == "Rp 851.357.218"
    assert format_rupiah(Decimal("851357218")) == "Rp 851.357.218"
    assert format_rupiah(1e8) == "Rp 100.000.000"  # an axis tick of a plot


@pytest.mark.parametrize("amount", [1.5, Decimal("0.01"), float("inf"), float("nan")])
def test_refuses_fractions_of_a_rupiah(amount):
    with pytest.raises(ValueError, match="whole number of rupiah"):
        whole_rupiah(amount)


@pytest.mark.parametrize("amount", ["100", None, True])
def test_refuses_what_is_not_an_amount(amount):
    with pytest.raises(TypeError):
        format_rupiah(amount)


def test_unknown_language_is_named():
    with pytest.raises(ValueError, match="'fr'"):
        format_rupiah(1, lang="fr")


def test_bundled_layers_is_the_repository_folder(monkeypatch):
    monkeypatch.delenv(LAYERS_ENV, raising=False)
    assert bundled_layers() == REPO_LAYERS
    assert geoasset.bundled_layers() == REPO_LAYERS


def test_bundled_layers_found_from_any_folder(tmp_path):
    # A fresh interpreter started far from the repository still finds the data.
    code = "import geoasset; print(geoasset.bundled_layers())"
    env_free = {key: value for key, value in __import__("os").environ.items() if key != LAYERS_ENV}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env_free
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == REPO_LAYERS


def test_environment_variable_wins_and_is_checked(tmp_path, monkeypatch):
    (tmp_path / "kupang").mkdir()
    monkeypatch.setenv(LAYERS_ENV, str(tmp_path))
    assert bundled_layers() == tmp_path
    monkeypatch.setenv(LAYERS_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        bundled_layers()
