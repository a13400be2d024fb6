"""Corpus sources: how a corpus root comes to exist on disk before it is parsed (docs/design.md §3, Sources).

`prepare_corpus` handles the four sources of `corpora.<domain>.source`:

- ``synthetic``: generate the demo corpus (stamped with its settings; regenerated when they change;
  a directory without our stamp is never deleted);
- ``download``: fetch the archive with sha256 verification (config digest, else the digest recorded
  in ``config/checksums/<domain>.sha256`` by the first download), extract it safely, optionally verify
  every file against a per-file checksum table;
- ``manual``: the user places the corpus; when it is missing the error says what to get, where from
  and the exact path to put it at;
- ``local``: an existing directory given by ``corpora.<domain>.path``.

Finally the marker JSON (domain, corpus, source, root, audio_files) is written atomically.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import urllib.parse
from pathlib import Path, PurePosixPath

from sertransfer.archive import safe_extract
from sertransfer.atomic import atomic_directory, write_text
from sertransfer.corpora import CorpusRootError, CorpusSpec, PatternCorpus, TableCorpus, corpus_format, corpus_spec
from sertransfer.corpora.base import is_audio_candidate
from sertransfer.download import ChecksumMismatch, download, sha256_file, verify_files
from sertransfer.ready import write_ready

log = logging.getLogger("sertransfer.sources")

SYNTHETIC_STAMP = ".sertransfer-synthetic.json"
DOWNLOAD_STAMP = ".sertransfer-download.json"
SYNTHETIC_KEYS = ("speakers", "utterances_per_emotion", "duration_s")


class CorpusMissingError(FileNotFoundError):
    """A manual/local corpus is not where it should be; the message says what to get and where to put it."""


class CorpusSourceError(RuntimeError):
    """The corpus root cannot be prepared without touching data the workflow did not create."""


def corpus_root(domain: str, corpus: dict, raw_dir: Path) -> Path:
    """Where the corpus lives: `corpora.<domain>.path` when set, else `<raw_dir>/<domain>` (absolute)."""
    return Path(corpus["path"] if corpus.get("path") else Path(raw_dir) / domain).expanduser().absolute()


def count_audio_files(root: Path) -> int:
    """Number of (non-hidden) files below `root` that can hold an utterance."""
    count = 0
    for _directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        count += sum(1 for f in files if not f.startswith(".") and is_audio_candidate(PurePosixPath(f)))
    return count


def _read_json(path: Path) -> dict | None:
    """A JSON object from `path`, or None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_empty_dir(path: Path) -> bool:
    """Whether `path` is a real (not symlinked) directory with nothing in it."""
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


# ----------------------------------------------------------------------------------------------
# synthetic


def synthetic_settings(domain: str, corpus: dict, *, seed: int, synthetic_defaults: dict) -> dict:
    """Everything the generated corpus depends on (stamped into it): seed, sizes, generator code."""
    from sertransfer.fingerprint import code_fingerprint

    merged = {**synthetic_defaults, **(corpus.get("synthetic") or {})}
    settings = {"domain": domain, "layout": corpus_format(domain, corpus), "seed": int(seed)}
    for key in SYNTHETIC_KEYS:
        if key not in merged:
            raise ValueError(f"synthetic setting {key!r} missing for {domain} (config key 'synthetic.{key}')")
    settings["speakers"] = int(merged["speakers"])
    settings["utterances_per_emotion"] = int(merged["utterances_per_emotion"])
    settings["duration_s"] = [float(x) for x in merged["duration_s"]]
    settings["style_map"] = dict(sorted((merged.get("style_map") or {}).items()))
    settings["expressiveness"] = float(merged.get("expressiveness", 1.0))
    settings["generator"] = code_fingerprint("sertransfer.synthetic")
    return settings


def _owned_stamp(domain: str, root: Path, stamp_name: str, made: str) -> dict | None:
    """The stamp of a root this workflow made; None if there is no root; refuse a root it did not make."""
    if _is_empty_dir(root):
        root.rmdir()
    if not (root.exists() or root.is_symlink()):
        return None
    stamp = _read_json(root / stamp_name)
    if stamp is None:
        raise CorpusSourceError(
            f"{root} exists but was not {made} by this workflow (no {stamp_name} in it), so it is left "
            f"untouched. Move it away, or set corpora.{domain}.path to another directory, or use it as data "
            f"with corpora.{domain}.source: local and corpora.{domain}.path: {root}")
    return stamp


def _prepare_synthetic(domain: str, corpus: dict, root: Path, settings: dict) -> None:
    """Generate a demo corpus at `root`, or keep the one there when it was made with the same settings."""
    from sertransfer.synthetic import generate_corpus

    stamp = _owned_stamp(domain, root, SYNTHETIC_STAMP, "generated")
    if stamp is not None:
        if stamp.get("settings") == settings:
            log.info("reusing synthetic %s corpus at %s (same settings)", domain, root)
            return
        log.info("synthetic %s corpus at %s was generated with other settings; regenerating", domain, root)

    for stale in root.parent.glob(f".{root.name}.synthetic-*") if root.parent.is_dir() else ():
        shutil.rmtree(stale, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    staging_parent = Path(tempfile.mkdtemp(prefix=f".{root.name}.synthetic-", dir=root.parent))
    try:
        staging = staging_parent / root.name
        files = generate_corpus(settings["layout"], staging, seed=settings["seed"], speakers=settings["speakers"],
                                utterances_per_emotion=settings["utterances_per_emotion"],
                                duration_s=tuple(settings["duration_s"]), style_map=settings["style_map"],
                                expressiveness=settings["expressiveness"])
        # stamp before the rename: the root never exists without it (else it would look foreign)
        write_text(staging / SYNTHETIC_STAMP, json.dumps({"settings": settings, "files": files}, indent=2) + "\n")
        if root.exists() or root.is_symlink():
            shutil.rmtree(root)
        os.rename(staging, root)
    finally:
        shutil.rmtree(staging_parent, ignore_errors=True)
    log.info("generated synthetic %s corpus at %s (%d audio files)", domain, root, files)


# ----------------------------------------------------------------------------------------------
# download


def archive_path(url: str, raw_dir: Path, domain: str) -> Path:
    """`<raw_dir>/downloads/<basename of the URL path>` (`<domain>.archive` when the path has none)."""
    name = PurePosixPath(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
    if not name or name in (".", ".."):
        name = f"{domain}.archive"
    return Path(raw_dir) / "downloads" / name


def read_recorded_digest(path: Path) -> str | None:
    """The digest in a `sha256sum`-style file (`<hex>  <name>`), None when there is no such file."""
    if not path.is_file():
        return None
    words = path.read_text(encoding="utf-8").split()
    digest = words[0].lower() if words else ""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"{path} does not hold a sha256 digest (64 hex digits); fix or delete it")
    return digest


def _prepare_download(domain: str, corpus: dict, root: Path, *, download_settings: dict, raw_dir: Path,
                      checksums_dir: Path) -> None:
    """Download a corpus archive, verify its sha256 and extract it safely at `root`."""
    url = corpus["url"]
    archive = archive_path(url, raw_dir, domain)
    recorded_path = Path(checksums_dir) / f"{domain}.sha256"
    expected = corpus.get("sha256")
    if expected:
        origin = f"config corpora.{domain}.sha256"
    else:
        expected = read_recorded_digest(recorded_path)
        origin = f"recorded digest {recorded_path}"
    try:
        digest = download(url, archive, sha256=expected, timeout_s=float(download_settings["timeout_s"]),
                          max_bytes=int(download_settings["max_archive_bytes"]))
    except ChecksumMismatch as error:  # say where the expected digest came from
        raise ChecksumMismatch(f"{error}\n(expected digest from {origin})") from error
    if expected is None:
        write_text(recorded_path, f"{digest}  {archive.name}\n")
        log.warning("no sha256 published for %s: recorded this download's digest %s in %s; later downloads "
                    "are verified against it (commit that file to pin the archive)", url, digest, recorded_path)
    else:
        log.info("%s verified against %s", archive.name, origin)

    stamp = _owned_stamp(domain, root, DOWNLOAD_STAMP, "extracted")
    if stamp is not None:
        if stamp.get("archive_sha256") == digest:
            log.info("reusing %s, already extracted from %s", root, archive.name)
            if corpus.get("file_checksums"):
                verify_files(root, corpus["file_checksums"])
            return
        log.info("%s was extracted from another archive (sha256 %s); extracting again",
                 root, stamp.get("archive_sha256"))
        shutil.rmtree(root)

    with atomic_directory(root) as staging:
        safe_extract(archive, staging, max_extracted_bytes=int(download_settings["max_extracted_bytes"]),
                     max_compression_ratio=float(download_settings["max_compression_ratio"]))
        if corpus.get("file_checksums"):
            verify_files(staging, corpus["file_checksums"])
        write_text(staging / DOWNLOAD_STAMP, json.dumps(
            {"url": url, "archive": archive.name, "archive_sha256": digest}, indent=2) + "\n")
    log.info("extracted %s into %s", archive.name, root)


# ----------------------------------------------------------------------------------------------
# manual / local


def _missing_message(spec: CorpusSpec | TableCorpus | PatternCorpus, domain: str, root: Path, reason: str) -> str:
    """The error for a corpus that is not there: what to get, where from and where to put it."""
    obtain = "\n".join(f"    {line}" for line in spec.obtain.strip().splitlines())
    return (f"corpus {spec.display_name} (domain '{domain}') is not available: {reason}\n"
            f"  What to get and where from:\n{obtain}\n"
            f"  Put it at: {root}\n"
            f"  (or point config key corpora.{domain}.path at where it already is), then rerun the workflow.")


def prepare_corpus(domain: str, corpus: dict, *, seed: int, synthetic_defaults: dict, download_settings: dict,
                   raw_dir: Path, checksums_dir: Path, marker: Path) -> dict:
    """Make the corpus root of `domain` exist (per `corpus["source"]`), write `marker`, return its content.

    `corpus` is the validated `corpora.<domain>` config entry.
    """
    spec = corpus_spec(domain, corpus)
    source = corpus["source"]
    root = corpus_root(domain, corpus, Path(raw_dir))
    log.info("preparing %s (%s) from source '%s' at %s", spec.display_name, domain, source, root)

    if source == "synthetic":
        settings = synthetic_settings(domain, corpus, seed=seed, synthetic_defaults=synthetic_defaults)
        _prepare_synthetic(domain, corpus, root, settings)
    elif source == "download":
        if not corpus.get("url"):
            raise ValueError(f"config key corpora.{domain}.url is required when corpora.{domain}.source is "
                             f"'download'")
        _prepare_download(domain, corpus, root, download_settings=download_settings, raw_dir=Path(raw_dir),
                          checksums_dir=Path(checksums_dir))
    elif source == "manual":
        if not root.is_dir():
            raise CorpusMissingError(_missing_message(spec, domain, root, f"{root} does not exist"))
        try:
            spec.locate_root(root)
        except CorpusRootError as error:
            raise CorpusMissingError(_missing_message(spec, domain, root, str(error))) from None
    elif source == "local":
        if not corpus.get("path"):
            raise ValueError(f"config key corpora.{domain}.path is required when corpora.{domain}.source is "
                             f"'local'")
        if not root.is_dir():
            raise CorpusMissingError(
                f"corpus {spec.display_name} (domain '{domain}'): config key corpora.{domain}.path is {root}, "
                f"which does not exist or is not a directory; point it at the extracted corpus")
        try:
            spec.locate_root(root)
        except CorpusRootError as error:
            raise CorpusRootError(f"corpus {spec.display_name} (domain '{domain}'): config key "
                                  f"corpora.{domain}.path = {root} is not recognised: {error}") from None
    else:
        raise ValueError(f"config key corpora.{domain}.source: unknown source {source!r} "
                         f"(expected synthetic, download, manual or local)")

    located = spec.locate_root(root).absolute()
    result = {"domain": domain, "corpus": spec.key, "name": spec.display_name, "source": source, "root": str(located),
              "audio_files": count_audio_files(located)}
    write_ready(marker, result)
    log.info("%s ready at %s (%d audio files); wrote %s", spec.display_name, located, result["audio_files"],
             marker)
    return result


__all__ = ["CorpusMissingError", "CorpusSourceError", "archive_path", "corpus_root", "count_audio_files",
           "prepare_corpus", "read_recorded_digest", "sha256_file", "synthetic_settings"]
