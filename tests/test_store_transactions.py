"""Read-change-write on the store: ``Inventory.transaction`` and ``Inventory.update``."""

from __future__ import annotations

import multiprocessing

import pytest
from conftest import make_poles

from geoasset.errors import InventoryLockedError
from geoasset.store import Batch, Inventory


def test_update_computes_again_when_a_layer_changed_meanwhile(inventory, poles):
    """A write that lands while ``change`` computes is kept: the change is redone on it."""
    inventory.write({"poles": poles}, batch=Batch(command="test"))
    seen = []

    def change(frames):
        seen.append(len(frames["poles"]))
        if len(seen) == 1:  # another writer appends while we compute
            other = Inventory(inventory.path)
            other.write(
                {"poles": make_poles(2, prefix="Q")}, batch=Batch(command="t"), mode="append"
            )
        return {"poles": frames["poles"].assign(owner="XL")}

    inventory.update(["poles"], change, batch=Batch(command="test"))
    stored = inventory.read("poles")
    assert seen == [5, 7]
    assert sorted(stored["pole_id"]) == sorted([f"P{i}" for i in range(5)] + ["Q0", "Q1"])
    assert set(stored["owner"]) == {"XL"}
    assert list(inventory.history()["command"]) == ["test", "t", "test"]


def test_update_writes_once_when_nothing_changed(inventory, poles):
    inventory.write({"poles": poles}, batch=Batch(command="test"))
    seen = []

    def change(frames):
        seen.append(len(frames["poles"]))
        return {"poles": frames["poles"]}

    inventory.update(["poles"], change, batch=Batch(command="again"))
    assert seen == [5]
    assert list(inventory.history()["command"]) == ["test", "again"]


def _try_write(path: str, queue) -> None:
    try:
        Inventory(path, lock_timeout=0.2).write(
            {"poles": make_poles(1, prefix="Z")}, batch=Batch(command="other"), mode="append"
        )
        queue.put("written")
    except InventoryLockedError:
        queue.put("locked")


def test_transaction_keeps_other_processes_out_and_nests(inventory, poles):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    with inventory.transaction():
        count = inventory.count("poles")
        process = context.Process(target=_try_write, args=(str(inventory.path), queue))
        process.start()
        process.join(120)
        inventory.write({"poles": poles}, batch=Batch(command="test"))  # the lock nests
        assert inventory.count("poles") == count + 5
    assert queue.get(timeout=5) == "locked"
    process = context.Process(target=_try_write, args=(str(inventory.path), queue))
    process.start()
    process.join(120)
    assert queue.get(timeout=5) == "written"
    assert inventory.count("poles") == 6


@pytest.mark.parametrize("attempts", [1, 2])
def test_update_with_one_attempt_holds_the_lock_throughout(inventory, poles, attempts):
    inventory.write({"poles": poles}, batch=Batch(command="test"))
    result = inventory.update(["poles", "roads"], lambda f: {"poles": f["poles"]},
                              batch=Batch(command="u"), attempts=attempts)  # fmt: skip
    assert len(result["poles"]) == 5 == inventory.count("poles")
