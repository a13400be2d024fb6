"""Corpus sources (docs/design.md §3): synthetic stamps, verified downloads, manual/local messages, the marker."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import sertransfer.synthetic
from sertransfer.archive import UnsafeArchiveError
from sertransfer.atomic import atomic_directory
from sertransfer.corpora import CorpusRootError, get_corpus
from sertransfer.download import ChecksumMismatch
from sertransfer.sources import DOWNLOAD_STAMP, SYNTHETIC_STAMP, CorpusMissingError, CorpusSourceError, prepare_corpus
from test_download import Server

DOWNLOAD = {"timeout_s": 10, "max_archive_bytes": 10**9, "max_extracted_bytes": 10**9,
            "max_compression_ratio": 1000}
SYNTH = {"speakers": 2, "utterances_per_emotion": 1, "duration_s": [1.0, 2.0]}


def corpus(source: str, **settings: object) -> dict:
    entry = {"source": source, "path": None, "url": None, "sha256": None, "file_checksums": None,
             "label_overrides": {}, "synthetic": {}}
    entry.update(settings)
    return entry


def prepare(tmp_path: Path, domain: str, entry: dict) -> dict:
    return prepare_corpus(domain, entry, seed=7, synthetic_defaults=SYNTH, download_settings=DOWNLOAD,
                          raw_dir=tmp_path / "raw", checksums_dir=tmp_path / "checksums",
                          marker=tmp_path / "raw" / f"{domain}.ready.json")


def emodb_zip(wavs: dict[str, bytes], wrap: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in wavs.items():
            zf.writestr(f"{wrap}wav/{name}", data)
        zf.writestr(f"{wrap}lablaut/readme.txt", "labels")
    return buffer.getvalue()


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


# ---------------------------------------------------------------------------------------------- download


def test_download_records_digest_then_refuses_changed_archive(server: Server, tmp_path: Path) -> None:
    body = emodb_zip({"03a01Fa.wav": b"RIFF-one", "03a01Wa.wav": b"RIFF-two"})
    server.files["/download/download.zip"] = body
    entry = corpus("download", url=server.url("/download/download.zip"))
    marker = prepare(tmp_path, "emodb", entry)

    recorded = tmp_path / "checksums" / "emodb.sha256"
    assert recorded.read_text().split()[0] == hashlib.sha256(body).hexdigest()
    root = tmp_path / "raw" / "emodb"
    assert (root / "wav" / "03a01Fa.wav").read_bytes() == b"RIFF-one"
    assert (tmp_path / "raw" / "downloads" / "download.zip").read_bytes() == body
    assert marker == {"domain": "emodb", "corpus": "emodb", "name": "Emo-DB", "source": "download",
                      "root": str(root.absolute()), "audio_files": 2}
    assert json.loads((tmp_path / "raw" / "emodb.ready.json").read_text()) == marker

    # same archive again: reused, not extracted again (a file added to the root survives)
    (root / "wav" / "extra.txt").write_text("kept")
    assert prepare(tmp_path, "emodb", entry) == marker
    assert (root / "wav" / "extra.txt").exists() and server.hits == ["/download/download.zip"]

    # the publisher changes the archive; a fresh download is refused against the recorded digest
    (tmp_path / "raw" / "downloads" / "download.zip").unlink()
    server.files["/download/download.zip"] = emodb_zip({"03a01Fa.wav": b"RIFF-changed"})
    with pytest.raises(ChecksumMismatch) as caught:
        prepare(tmp_path, "emodb", entry)
    assert hashlib.sha256(body).hexdigest() in str(caught.value) and str(recorded) in str(caught.value)
    assert not (tmp_path / "raw" / "downloads" / "download.zip").exists()


def test_download_config_digest_and_file_checksums(server: Server, tmp_path: Path) -> None:
    body = emodb_zip({"03a01Fa.wav": b"RIFF-one"}, wrap="emodb-release/")
    server.files["/e.zip"] = body
    table = tmp_path / "files.tsv"
    table.write_text("filename\tsha256\tsize_bytes\n"
                     f"03a01Fa.wav\t{hashlib.sha256(b'RIFF-other').hexdigest()}\t10\n", encoding="utf-8")
    entry = corpus("download", url=server.url("/e.zip"), sha256=hashlib.sha256(body).hexdigest(),
                   file_checksums=str(table))
    with pytest.raises(ChecksumMismatch, match="03a01Fa.wav"):
        prepare(tmp_path, "emodb", entry)
    assert not (tmp_path / "raw" / "emodb").exists()  # a failed verification leaves no root
    assert not (tmp_path / "checksums").exists()  # the config digest is used, nothing recorded

    table.write_text("filename\tsha256\tsize_bytes\n"
                     f"03a01Fa.wav\t{hashlib.sha256(b'RIFF-one').hexdigest()}\t8\n", encoding="utf-8")
    marker = prepare(tmp_path, "emodb", entry)
    assert marker["root"] == str((tmp_path / "raw" / "emodb" / "emodb-release").absolute())  # wrapper located
    assert json.loads((tmp_path / "raw" / "emodb" / DOWNLOAD_STAMP).read_text())["archive_sha256"] == entry["sha256"]


def test_download_unsafe_archive_leaves_no_root(server: Server, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("wav/03a01Fa.wav", b"x")
        zf.writestr("../../evil.txt", b"evil")
    server.files["/slip.zip"] = buffer.getvalue()
    with pytest.raises(UnsafeArchiveError, match="evil.txt"):
        prepare(tmp_path, "emodb", corpus("download", url=server.url("/slip.zip")))
    assert not (tmp_path / "raw" / "emodb").exists() and not (tmp_path / "evil.txt").exists()
    assert [p.name for p in (tmp_path / "raw").iterdir()] == ["downloads"]


def test_download_refuses_foreign_root(server: Server, tmp_path: Path) -> None:
    server.files["/e.zip"] = emodb_zip({"03a01Fa.wav": b"x"})
    (tmp_path / "raw" / "emodb").mkdir(parents=True)
    (tmp_path / "raw" / "emodb" / "notes.txt").write_text("mine")
    with pytest.raises(CorpusSourceError, match="not extracted by this workflow"):
        prepare(tmp_path, "emodb", corpus("download", url=server.url("/e.zip")))
    assert (tmp_path / "raw" / "emodb" / "notes.txt").read_text() == "mine"


# ---------------------------------------------------------------------------------------------- manual / local


def test_manual_missing_says_what_and_where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    entry = corpus("manual")
    with pytest.raises(CorpusMissingError) as caught:
        prepare_corpus("emovo", entry, seed=7, synthetic_defaults=SYNTH, download_settings=DOWNLOAD,
                       raw_dir=Path("data/raw"), checksums_dir=Path("checksums"), marker=Path("m.json"))
    message = str(caught.value)
    expected_root = (tmp_path / "data" / "raw" / "emovo").absolute()
    assert f"Put it at: {expected_root}" in message
    assert "EMOVO" in message and "rerun" in message
    for line in get_corpus("emovo").obtain.strip().splitlines():
        assert line.strip() in message
    assert not Path("m.json").exists()

    # present but not recognised: still a missing corpus, with what was expected
    (tmp_path / "data" / "raw" / "emovo" / "stuff").mkdir(parents=True)
    with pytest.raises(CorpusMissingError, match="does not look like EMOVO"):
        prepare(tmp_path, "emovo", corpus("manual", path=str(tmp_path / "data" / "raw" / "emovo")))

    # placed correctly (inside one wrapping folder): ready
    (tmp_path / "data" / "raw" / "emovo" / "stuff").rmdir()
    wav = tmp_path / "data" / "raw" / "emovo" / "EMOVO" / "f1" / "dis-f1-b1.wav"
    wav.parent.mkdir(parents=True)
    wav.write_bytes(b"RIFF")
    marker = prepare(tmp_path, "emovo", corpus("manual", path=str(tmp_path / "data" / "raw" / "emovo")))
    assert marker["root"] == str(wav.parent.parent) and marker["audio_files"] == 1


def test_local_missing_or_unrecognised(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "EmoDB"
    with pytest.raises(CorpusMissingError) as caught:
        prepare(tmp_path, "emodb", corpus("local", path=str(missing)))
    assert str(missing) in str(caught.value) and "corpora.emodb.path" in str(caught.value)
    (tmp_path / "other").mkdir()
    with pytest.raises(CorpusRootError, match="corpora.emodb.path"):
        prepare(tmp_path, "emodb", corpus("local", path=str(tmp_path / "other")))
    (tmp_path / "other" / "wav").mkdir()
    (tmp_path / "other" / "wav" / "03a01Fa.wav").write_bytes(b"RIFF")
    assert prepare(tmp_path, "emodb", corpus("local", path=str(tmp_path / "other")))["audio_files"] == 1


# ---------------------------------------------------------------------------------------------- synthetic


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Replace the generator by a tiny writer (this unit test only); record its calls."""
    calls: list[dict] = []

    def tiny(key: str, root: Path, *, seed: int, speakers: int, utterances_per_emotion: int,
             duration_s: tuple[float, float], style_map: dict | None = None, expressiveness: float = 1.0) -> int:
        calls.append({"key": key, "seed": seed, "speakers": speakers})
        with atomic_directory(root) as temporary:
            for speaker in range(speakers):
                (temporary / "wav").mkdir(exist_ok=True)
                (temporary / "wav" / f"{speaker + 3:02d}a01Fa.wav").write_bytes(b"RIFF")
        return speakers

    monkeypatch.setattr(sertransfer.synthetic, "generate_corpus", tiny)
    return calls


def test_synthetic_generate_reuse_regenerate(tmp_path: Path, generated: list[dict]) -> None:
    root = tmp_path / "raw" / "emodb"
    marker = prepare(tmp_path, "emodb", corpus("synthetic"))
    assert generated == [{"key": "emodb", "seed": 7, "speakers": 2}]
    assert marker == {"domain": "emodb", "corpus": "emodb", "name": "Emo-DB", "source": "synthetic", "root": str(root),
                      "audio_files": 2}
    assert json.loads((root / SYNTHETIC_STAMP).read_text())["settings"]["speakers"] == 2

    assert prepare(tmp_path, "emodb", corpus("synthetic")) == marker  # same settings: reused
    assert len(generated) == 1

    marker = prepare(tmp_path, "emodb", corpus("synthetic", synthetic={"speakers": 3}))  # override: regenerated
    assert len(generated) == 2 and generated[-1]["speakers"] == 3 and marker["audio_files"] == 3
    assert sorted(os.listdir(tmp_path / "raw")) == ["emodb", "emodb.ready.json"]  # no staging left behind


def test_synthetic_refuses_foreign_directory(tmp_path: Path, generated: list[dict]) -> None:
    root = tmp_path / "raw" / "emodb"
    (root / "wav").mkdir(parents=True)
    (root / "wav" / "03a01Fa.wav").write_bytes(b"real data")
    with pytest.raises(CorpusSourceError, match="not generated by this workflow"):
        prepare(tmp_path, "emodb", corpus("synthetic"))
    assert (root / "wav" / "03a01Fa.wav").read_bytes() == b"real data" and generated == []

    # an empty directory holds nothing to lose: generated into
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    assert prepare(tmp_path, "emodb", corpus("synthetic", path=str(empty)))["audio_files"] == 2


@pytest.mark.parametrize("content", ['{"domain": "emodb"}', "{not json", None])
def test_a_ready_marker_that_cannot_say_where_its_corpus_is_is_named_with_the_fix(tmp_path, content):
    from sertransfer.ready import ReadyMarkerError, ready_root, write_ready

    marker = tmp_path / "emodb.ready.json"
    write_ready(marker, {"domain": "emodb", "root": str(tmp_path / "corpus")})
    assert ready_root(marker) == tmp_path / "corpus"
    if content is None:
        marker.unlink()
    else:
        marker.write_text(content)
    with pytest.raises(ReadyMarkerError, match=rf"{marker} does not say where its corpus is .*rule fetch_corpus"):
        ready_root(marker)
