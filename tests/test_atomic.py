"""Atomic outputs: complete or absent, never partial; usual permissions."""

from __future__ import annotations

import os

import pytest

from sertransfer import atomic


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_successful_write_replaces_and_has_umask_permissions(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    atomic.write_text(target, "new")
    assert target.read_text() == "new" and list(tmp_path.iterdir()) == [target]
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_atomic_directory(tmp_path):
    with pytest.raises(ValueError), atomic.atomic_directory(tmp_path / "corpus") as temporary:
        (temporary / "a.wav").write_bytes(b"x")
        raise ValueError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with atomic.atomic_directory(tmp_path / "corpus") as temporary:
        (temporary / "a.wav").write_bytes(b"x")
    assert (tmp_path / "corpus" / "a.wav").read_bytes() == b"x"
    with pytest.raises(FileExistsError), atomic.atomic_directory(tmp_path / "corpus"):
        pass


def test_partials_of_a_killed_writer_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "cache.parquet"
    leftover_file = tmp_path / ".cache.parquet.partial-abc123.parquet"
    leftover_dir = tmp_path / ".cache.parquet.partial-def456"
    leftover_file.write_bytes(b"PAR1 half a file")
    leftover_dir.mkdir()
    (leftover_dir / "part").write_text("x")
    other = tmp_path / ".other.parquet.partial-abc123.parquet"   # another output's partial: not ours to touch
    other.write_bytes(b"x")
    atomic.write_bytes(target, b"complete")
    assert target.read_bytes() == b"complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.parquet.partial-abc123.parquet", "cache.parquet"]
