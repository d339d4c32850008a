"""Every notebook in notebooks/ runs top to bottom in a real Jupyter kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_the_three_tours_are_there():
    names = [p.name for p in NOTEBOOKS]
    assert names == [
        "01_inventory.ipynb",
        "02_revenue_per_corridor.ipynb",
        "03_field_map.ipynb",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch, kupang_session):
    notebook = nbformat.read(path, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        f"{path.name} is committed with outputs"
    )
    # Notebooks write their outputs under GEOASSET_WORKDIR, never into the repo.
    work = tmp_path / "work"
    monkeypatch.setenv("GEOASSET_WORKDIR", str(work))
    monkeypatch.delenv("GEOASSET_LAYERS", raising=False)
    # The field-map tour reads the test session's run of the Kupang data (GEOASSET_RUN:
    # "tour an earlier run"); the revenue tour runs the main job itself, as it does for
    # an officer who sets nothing.
    if path.name.startswith("03_"):
        monkeypatch.setenv("GEOASSET_RUN", str(kupang_session.inventory.parent))
    else:
        monkeypatch.delenv("GEOASSET_RUN", raising=False)
    # Opened from a folder outside the repository (a copy on the officer's desktop): the
    # bundled data is still found.
    opened_in = tmp_path / "desktop"
    opened_in.mkdir()
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(opened_in)}},
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    assert work.is_dir() and any(work.iterdir())
    text = _text_outputs(notebook)
    if path.name.startswith("02_"):
        # Money reads as rupiah with Indonesian grouping, never as 8.51e+08: the total
        # line, and the per-corridor table styled cell by cell.
        assert "grand total 2026: Rp 851.357.218" in text
        assert "8.51" not in text and "e+08" not in text
        assert text.count(">Rp ") >= 3


def _text_outputs(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts.append(
                data.get("text/plain", "") if isinstance(data.get("text/plain"), str) else ""
            )
            parts.append(
                data.get("text/html", "") if isinstance(data.get("text/html"), str) else ""
            )
    return "\n".join(parts)
