"""The file lock the store holds while it writes."""

from __future__ import annotations

from geoasset.locking import try_lock, unlock


def test_second_handle_is_refused_until_the_first_unlocks(tmp_path):
    path = tmp_path / "inventory.gpkg"
    path.write_bytes(b"SQLite format 3\x00")
    with open(path, "rb") as first, open(path, "rb") as second:
        assert try_lock(first)
        assert not try_lock(second)
        unlock(first)
        assert try_lock(second)
        unlock(second)
    assert path.read_bytes() == b"SQLite format 3\x00"  # the lock writes nothing
