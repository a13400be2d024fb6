"""Downloads with checksum verification and per-file verification (docs/design.md §3 Sources, §16)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_server import Server
from sertransfer.download import ChecksumMismatch, DownloadError, download, sha256_file, verify_files


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


def fetch(url: str, dest: Path, sha256: str | None = None, max_bytes: int = 10**9) -> str:
    return download(url, dest, sha256=sha256, timeout_s=10, max_bytes=max_bytes)


BODY = b"corpus archive bytes " * 5000
DIGEST = hashlib.sha256(BODY).hexdigest()


def test_download_ok_returns_digest(server: Server, tmp_path: Path) -> None:
    server.files["/c/data.zip"] = BODY
    dest = tmp_path / "downloads" / "data.zip"
    assert fetch(server.url("/c/data.zip"), dest, DIGEST) == DIGEST
    assert dest.read_bytes() == BODY and sha256_file(dest) == DIGEST
    assert sorted(p.name for p in dest.parent.iterdir()) == ["data.zip"]  # no partial file left
    # a second call reuses the verified file without fetching
    assert fetch(server.url("/c/data.zip"), dest, DIGEST) == DIGEST
    assert server.hits == ["/c/data.zip"]


def test_checksum_mismatch_names_both_digests(server: Server, tmp_path: Path) -> None:
    server.files["/data.zip"] = BODY
    dest = tmp_path / "data.zip"
    wrong = "0" * 64
    with pytest.raises(ChecksumMismatch) as caught:
        fetch(server.url("/data.zip"), dest, wrong)
    message = str(caught.value)
    assert wrong in message and DIGEST in message and server.url("/data.zip") in message
    assert list(tmp_path.iterdir()) == []


def test_existing_dest_with_wrong_digest_is_downloaded_again(server: Server, tmp_path: Path) -> None:
    server.files["/data.zip"] = BODY
    dest = tmp_path / "data.zip"
    dest.write_bytes(b"truncated")
    assert fetch(server.url("/data.zip"), dest, DIGEST) == DIGEST
    assert dest.read_bytes() == BODY and server.hits == ["/data.zip"]


def test_interrupted_download_leaves_no_dest(server: Server, tmp_path: Path) -> None:
    server.files["/short.zip"] = BODY
    server.lies["/short.zip"] = len(BODY) * 2  # Content-Length longer than the body: connection closes early
    dest = tmp_path / "short.zip"
    with pytest.raises(DownloadError, match="incomplete"):
        fetch(server.url("/short.zip"), dest)
    assert list(tmp_path.iterdir()) == []


def test_http_error_and_size_limit(server: Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="404"):
        fetch(server.url("/missing.zip"), tmp_path / "missing.zip")
    server.files["/big.zip"] = BODY
    with pytest.raises(DownloadError, match="max_archive_bytes"):
        fetch(server.url("/big.zip"), tmp_path / "big.zip", max_bytes=1000)
    assert list(tmp_path.iterdir()) == []


def write_table(path: Path, rows: list[tuple[str, bytes]]) -> Path:
    lines = ["filename\tsha256\tsize_bytes"]
    lines += [f"{name}\t{hashlib.sha256(data).hexdigest()}\t{len(data)}" for name, data in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_verify_files_ok_mismatch_missing(tmp_path: Path) -> None:
    root = tmp_path / "emodb"
    (root / "wav").mkdir(parents=True)
    (root / "wav" / "03a01Fa.wav").write_bytes(b"one")
    (root / "wav" / "03a01Nc.wav").write_bytes(b"two")
    table = write_table(tmp_path / "files.tsv", [("03a01Fa.wav", b"one"), ("03a01Nc.wav", b"two")])
    verify_files(root, table)  # found by basename below root

    (root / "wav" / "03a01Nc.wav").write_bytes(b"tampered")
    table = write_table(tmp_path / "files.tsv", [("03a01Fa.wav", b"one"), ("03a01Nc.wav", b"two"),
                                                 ("16b10Wb.wav", b"three")])
    with pytest.raises(ChecksumMismatch) as caught:
        verify_files(root, table)
    message = str(caught.value)
    assert "2 of 3 files" in message and "1 missing, 1 mismatching" in message
    assert "wav/03a01Nc.wav" in message and "16b10Wb.wav" in message
    assert hashlib.sha256(b"two").hexdigest() in message and hashlib.sha256(b"tampered").hexdigest() in message


def test_verify_files_rejects_bad_header(tmp_path: Path) -> None:
    (tmp_path / "t.tsv").write_text("name\tdigest\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        verify_files(tmp_path, tmp_path / "t.tsv")
