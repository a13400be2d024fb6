"""Safe extraction (docs/design.md §16): zip-slip, absolute paths, links, special files, bombs, names."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

import sertransfer.archive
from sertransfer.archive import ArchiveError, UnsafeArchiveError, archive_format, copy_limited, safe_extract

BIG = 10**9


def extract(archive: Path, target: Path, *, max_bytes: int = BIG, ratio: float = 1000) -> int:
    return safe_extract(archive, target, max_extracted_bytes=max_bytes, max_compression_ratio=ratio)


def make_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def tar_link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def files_below(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*")) if path.exists() else []


@pytest.fixture
def no_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if extraction starts writing: unsafe archives must be refused during inspection."""
    def refuse(*args: object, **kwargs: object) -> int:
        raise AssertionError("safe_extract started writing before refusing the archive")

    monkeypatch.setattr(sertransfer.archive, "_extract", refuse)


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A directory holding the archive and the target, so that escapes land in it and can be seen."""
    (tmp_path / "box").mkdir()
    return tmp_path / "box"


@pytest.mark.parametrize("name", ["../evil.txt", "ok/../../evil.txt", "..\\evil.txt", "a/../../../evil.txt"])
def test_zip_dotdot_member_refused_and_nothing_written(no_writes: None, box: Path, name: str) -> None:
    archive = make_zip(box / "slip.zip", {"good.txt": b"fine", name: b"evil"})
    target = box / "target"
    with pytest.raises(UnsafeArchiveError) as caught:
        extract(archive, target)
    assert name in str(caught.value) or repr(name) in str(caught.value)
    assert "slip.zip" in str(caught.value)
    assert files_below(box) == ["slip.zip"]  # not even good.txt, and no evil.txt anywhere


@pytest.mark.parametrize("name", ["/tmp/sertransfer-abs-evil.txt", "C:/evil.txt", "c:\\evil.txt", "\\evil.txt"])
def test_zip_absolute_member_refused(no_writes: None, box: Path, name: str) -> None:
    archive = make_zip(box / "abs.zip", {name: b"evil"})
    with zipfile.ZipFile(archive) as zf:
        assert zf.namelist() == [name]  # the archive really holds the absolute name
    with pytest.raises(UnsafeArchiveError, match="absolute path") as caught:
        extract(archive, box / "target")
    assert repr(name) in str(caught.value)
    assert files_below(box) == ["abs.zip"]
    assert not Path("/tmp/sertransfer-abs-evil.txt").exists()


@pytest.mark.parametrize("link", ["../../outside", "/etc", "../sub/../../x", "./../../box"])
def test_tar_symlink_outside_refused(no_writes: None, box: Path, link: str) -> None:
    archive = make_tar(box / "link.tar.gz", [(tarfile.TarInfo("a.txt"), b"a"), (tar_link("sub/escape", link), None)])
    with pytest.raises(UnsafeArchiveError, match="outside") as caught:
        extract(archive, box / "target")
    assert "sub/escape" in str(caught.value)
    assert files_below(box) == ["link.tar.gz"]


def test_symlink_chain_escape_refused(no_writes: None, box: Path) -> None:
    # each link looks inside on its own; together `b` resolves to the target's parent
    archive = make_tar(box / "chain.tar", [(tar_link("a", "."), None), (tar_link("b", "a/.."), None)], mode="w")
    with pytest.raises(UnsafeArchiveError, match="'b'"):
        extract(archive, box / "target")
    assert files_below(box) == ["chain.tar"]


def test_member_written_through_symlink_refused(no_writes: None, box: Path) -> None:
    archive = make_tar(box / "through.tar", [(tar_link("d", "sub"), None), (tarfile.TarInfo("d/x.txt"), b"x")],
                       mode="w")
    with pytest.raises(UnsafeArchiveError, match="through the symlink"):
        extract(archive, box / "target")


def test_tar_hardlink_outside_refused_inside_copied(box: Path) -> None:
    bad = make_tar(box / "hard.tar", [(tar_link("h", "../../etc/passwd", tarfile.LNKTYPE), None)], mode="w")
    with pytest.raises(UnsafeArchiveError, match="'h'"):
        extract(bad, box / "bad")
    good = make_tar(box / "good.tar.bz2", [(tarfile.TarInfo("dir/a.wav"), b"audio"),
                                           (tar_link("dir/b.wav", "dir/a.wav", tarfile.LNKTYPE), None),
                                           (tar_link("dir/c.wav", "a.wav"), None)], mode="w:bz2")
    assert extract(good, box / "good") == 3
    assert (box / "good/dir/b.wav").read_bytes() == b"audio"
    assert (box / "good/dir/c.wav").is_symlink() and (box / "good/dir/c.wav").read_bytes() == b"audio"
    assert not (box / "bad").exists()


def test_zip_symlink_via_external_attr(no_writes: None, box: Path) -> None:
    archive = box / "zlink.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("escape")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "../../outside")
    with pytest.raises(UnsafeArchiveError, match="'escape'.*outside"):
        extract(archive, box / "target")
    assert files_below(box) == ["zlink.zip"]


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_tar_special_files_refused(no_writes: None, box: Path, kind: bytes) -> None:
    info = tarfile.TarInfo("dev/thing")
    info.type = kind
    archive = make_tar(box / "dev.tar", [(tarfile.TarInfo("ok.txt"), b"ok"), (info, None)], mode="w")
    with pytest.raises(UnsafeArchiveError, match="'dev/thing'"):
        extract(archive, box / "target")
    assert not (box / "target").exists()


def test_zip_bomb_ratio_refused(no_writes: None, box: Path) -> None:
    archive = make_zip(box / "bomb.zip", {"zeros.bin": bytes(5_000_000)})
    assert archive.stat().st_size < 50_000
    with pytest.raises(UnsafeArchiveError, match="'zeros.bin'.*ratio"):
        extract(archive, box / "target", ratio=100)
    assert not (box / "target").exists()


def test_zip_total_above_limit_refused(box: Path) -> None:
    archive = make_zip(box / "total.zip", {"a.bin": b"a" * 1000, "b.bin": b"b" * 1000}, zipfile.ZIP_STORED)
    with pytest.raises(UnsafeArchiveError, match="max_extracted_bytes 1500"):
        extract(archive, box / "target", max_bytes=1500)
    assert not (box / "target").exists()
    assert extract(archive, box / "ok", max_bytes=2000) == 2


def test_tar_gz_bomb_refused(no_writes: None, box: Path) -> None:
    archive = make_tar(box / "bomb.tgz", [(tarfile.TarInfo("zeros.bin"), bytes(5_000_000))])
    with pytest.raises(UnsafeArchiveError, match="zeros.bin"):
        extract(archive, box / "target", ratio=50)
    with pytest.raises(UnsafeArchiveError, match="max_extracted_bytes"):
        extract(archive, box / "target", max_bytes=4_000_000)
    assert not (box / "target").exists()


def test_zip_lying_declared_size_writes_nothing(box: Path) -> None:
    """Central directory declares 10 bytes for a 100 kB member: refused, the target is cleaned up."""
    archive = make_zip(box / "liar.zip", {"first.txt": b"first", "liar.bin": b"x" * 100_000}, zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("liar.bin")
    # patch the uncompressed-size field (offset 24) of liar.bin's central directory record
    record = data.rfind(b"PK\x01\x02")
    assert data[record + 46:record + 46 + 8] == b"liar.bin"
    data[record + 24:record + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    assert info.file_size == 100_000
    with pytest.raises(ArchiveError):
        extract(archive, box / "target", max_bytes=1000)
    assert not (box / "target").exists()


def test_streaming_cap_counts_real_bytes() -> None:
    """The cap on bytes actually read does not trust the declared size."""
    sink = io.BytesIO()
    with pytest.raises(UnsafeArchiveError, match="more data than its declared 10 bytes"):
        copy_limited(io.BytesIO(b"y" * 5000), sink, archive="a.zip", member="m", declared=10)
    assert len(sink.getvalue()) <= 10
    assert copy_limited(io.BytesIO(b"z" * 10), io.BytesIO(), archive="a.zip", member="m", declared=10) == 10


def test_names_with_spaces_and_non_ascii(box: Path) -> None:
    names = {"subject 1/anger/sentence 1/s1 an 1.wav": b"1", "speaker ü/Übung äöß.wav": b"2",
             "日本語/テスト ファイル.wav": b"3"}
    archive = make_zip(box / "names.zip", names)
    assert extract(archive, box / "z") == 3
    tar = make_tar(box / "names.tar.xz", [(tarfile.TarInfo(n), d) for n, d in names.items()], mode="w:xz")
    assert extract(tar, box / "t") == 3
    for root in (box / "z", box / "t"):
        for name, data in names.items():
            assert (root / name).read_bytes() == data


@pytest.mark.parametrize(("raw", "expected"), [(b"Gr\x81n.wav", "Grün.wav"),           # cp437, no UTF-8 flag
                                               (b"Gr\xc3\xbcn.wav", "Grün.wav")])      # UTF-8 bytes, no flag
def test_zip_names_without_utf8_flag(box: Path, raw: bytes, expected: str) -> None:
    placeholder = b"Q" * (len(raw) - 4) + b".wav"
    archive = make_zip(box / "legacy.zip", {placeholder.decode(): b"data"}, zipfile.ZIP_STORED)
    blob = archive.read_bytes()
    assert blob.count(placeholder) == 2
    archive.write_bytes(blob.replace(placeholder, raw))
    assert extract(archive, box / "target") == 1
    assert (box / "target" / expected).read_bytes() == b"data"


def test_format_by_content_not_name(box: Path) -> None:
    zip_named_tar = make_zip(box / "really-a-zip.tar.gz", {"wav/a.wav": b"a"})
    tar_named_zip = make_tar(box / "really-a-tar.zip", [(tarfile.TarInfo("wav/b.wav"), b"b")])
    assert archive_format(zip_named_tar) == "zip" and archive_format(tar_named_zip) == "tar"
    assert extract(zip_named_tar, box / "one") == 1 and (box / "one/wav/a.wav").read_bytes() == b"a"
    assert extract(tar_named_zip, box / "two") == 1 and (box / "two/wav/b.wav").read_bytes() == b"b"
    (box / "junk.zip").write_bytes(b"not an archive at all" * 40)
    with pytest.raises(ArchiveError, match="neither a zip nor a tar"):
        extract(box / "junk.zip", box / "three")


def test_existing_target_keeps_its_files_on_failure(box: Path) -> None:
    target = box / "target"
    target.mkdir()
    (target / "mine.txt").write_text("keep")
    archive = make_zip(box / "liar.zip", {"new.txt": b"n", "big.bin": b"b" * 3000}, zipfile.ZIP_STORED)
    with pytest.raises(UnsafeArchiveError):
        extract(archive, target, max_bytes=2000)
    assert files_below(target) == ["mine.txt"]
