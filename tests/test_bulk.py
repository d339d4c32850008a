"""The cycle-collector pause used by bulk reads and imports."""

from __future__ import annotations

import gc

import pytest

from geoasset.bulk import cycle_collector_paused


def test_collector_is_back_after_an_error():
    with pytest.raises(ValueError), cycle_collector_paused():
        assert not gc.isenabled()
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused():
    gc.disable()
    try:
        with cycle_collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_inventory_reads_run_paused(inventory, poles, monkeypatch):
    from geoasset import store

    inventory.write({"poles": poles}, batch=store.Batch(command="test"))
    seen = []
    real = store.pyogrio.read_dataframe

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(store.pyogrio, "read_dataframe", spy)
    assert len(inventory.read("poles")) == len(poles)
    assert seen == [False]
    assert gc.isenabled()
