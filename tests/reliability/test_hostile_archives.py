"""Case 6: hostile corpus archives served over HTTP are refused by fetch_corpus before anything is written.

Each archive is downloaded by the workflow itself (`source: download`, a local server, the archive's
sha256 in the config), so the whole path runs: download, verification, inspection, extraction.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from local_server import Server
from workflow_run import copy_repository, snakemake, tiny_config

pytestmark = pytest.mark.slow

READY = "data/raw/emodb.ready.json"
LIMIT = 20_000_000   # download.max_extracted_bytes of these runs (a configured size limit)


def good_wav() -> bytes:
    return b"RIFF" + bytes(40)


def traversal(outside: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("wav/03a01Fa.wav", good_wav())
        archive.writestr("wav/../../../../escaped.txt", b"escaped")
    return buffer.getvalue()


def absolute(outside: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in (("wav/03a01Fa.wav", good_wav()), (str(outside / "absolute.txt"), b"absolute")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def symlink_out(outside: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        link = tarfile.TarInfo("wav/escape")
        link.type, link.linkname = tarfile.SYMTYPE, str(outside)
        archive.addfile(link)
        data = b"written through the link"
        info = tarfile.TarInfo("wav/escape/through-link.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def bomb(outside: Path) -> bytes:
    """A zip whose one member inflates to 5x the configured limit (zeros compress ~1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("wav/03a01Fa.wav", "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(5 * LIMIT // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


HOSTILE: dict[str, tuple[Callable[[Path], bytes], str]] = {
    "traversal.zip": (traversal, "contains a '..' component"),
    "absolute.tar": (absolute, "has an absolute path"),
    "symlink.tar.gz": (symlink_out, "outside"),
    "bomb.zip": (bomb, "download.max_extracted_bytes"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


def tree(root: Path) -> dict[str, int]:
    """Every path under `root` with its size (directories as -1)."""
    return {str(p.relative_to(root)): (p.stat().st_size if p.is_file() else -1) for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_archive_is_refused_and_nothing_written_outside(tmp_path, server, name):
    make, reason = HOSTILE[name]
    outside = tmp_path / "outside"   # what an escaping member would reach
    outside.mkdir()
    (outside / "keep.txt").write_text("untouched")
    body = make(outside)
    server.files[f"/{name}"] = body
    workdir = copy_repository(tmp_path / "workflow")
    config = tiny_config(workdir, download__max_extracted_bytes=LIMIT, download__max_compression_ratio=100000,
                         corpora__emodb={"source": "download", "url": server.url(f"/{name}"),
                                         "sha256": hashlib.sha256(body).hexdigest()})
    before_outside, before_tmp = tree(outside), set(os.listdir(tmp_path))

    result = snakemake(workdir, "--cores", "1", READY, "--configfile", str(config))
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "UnsafeArchiveError" in output and reason in output, output[-3000:]
    assert tree(outside) == before_outside and set(os.listdir(tmp_path)) == before_tmp
    assert not (workdir / "escaped.txt").exists() and not (workdir.parent / "escaped.txt").exists()
    raw = workdir / "data" / "raw"
    assert not (raw / "emodb").exists() and not (workdir / READY).exists()
    assert sorted(p.name for p in raw.iterdir()) == ["downloads"], sorted(p.name for p in raw.iterdir())
    assert [p.name for p in (raw / "downloads").iterdir()] == [name]   # the verified archive, kept for inspection
