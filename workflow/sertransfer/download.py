"""Downloads with checksum verification, and per-file verification of extracted corpora (docs/design.md §3, §16).

A download streams into a temporary sibling (atomic_path), hashing as it goes; only a
complete download (all Content-Length bytes) whose sha256 matches is renamed to `dest`,
so a killed or interrupted download never leaves a file that looks finished.
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import logging
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

from sertransfer.atomic import atomic_path

log = logging.getLogger(__name__)

CHUNK = 1 << 20
USER_AGENT = "sertransfer (research pipeline; python urllib)"
#: How many mismatching/missing files a ChecksumMismatch message lists.
LISTED = 10


class ChecksumMismatch(ValueError):
    """A file's sha256 differs from the expected one; the message names both digests."""


class DownloadError(RuntimeError):
    """A download failed (network error, HTTP error, incomplete body, too large)."""


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _mismatch_message(url: str, expected: str, actual: str) -> str:
    """The error for a download whose sha256 is not the expected one, with what to do."""
    return (f"checksum mismatch for {url}: expected sha256 {expected}, got sha256 {actual}. "
            f"The download was discarded. The file may be corrupt (retry by rerunning the workflow) or "
            f"changed by its publisher; if you trust the new file, update the expected digest "
            f"(config corpora.<domain>.sha256, or delete the recorded config/checksums/<domain>.sha256) "
            f"and rerun.")


def download(url: str, dest: str | os.PathLike[str], *, sha256: str | None, timeout_s: float,
             max_bytes: int) -> str:
    """Fetch `url` to `dest`, verified against `sha256` when given; return the sha256 hex digest.

    An existing `dest` is reused when its digest matches `sha256` (or when no digest is
    expected: `dest` only ever appears complete). Raises ChecksumMismatch or DownloadError;
    in both cases `dest` is left as it was and no partial file remains.
    """
    dest = Path(dest)
    expected = sha256.lower() if sha256 else None
    if dest.is_file():
        existing = sha256_file(dest)
        if expected is None or existing == expected:
            log.info("reusing %s (sha256 %s)", dest, existing)
            return existing
        log.warning("%s exists but its sha256 %s is not the expected %s; downloading again",
                    dest, existing, expected)

    log.info("downloading %s -> %s", url, dest)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    digest = hashlib.sha256()
    received = 0
    try:
        with atomic_path(dest) as partial:
            with urllib.request.urlopen(request, timeout=timeout_s) as response, open(partial, "wb") as sink:
                length_header = response.headers.get("Content-Length")
                length = int(length_header) if length_header and length_header.isdigit() else None
                if length is not None and length > max_bytes:
                    raise DownloadError(f"{url} is {length} bytes, above download.max_archive_bytes "
                                        f"{max_bytes}; refusing to download (raise the limit if genuine)")
                last_report = time.monotonic()
                while True:
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    received += len(chunk)
                    if received > max_bytes:
                        raise DownloadError(f"{url} sent more than download.max_archive_bytes {max_bytes} "
                                            f"bytes; download aborted")
                    digest.update(chunk)
                    sink.write(chunk)
                    if time.monotonic() - last_report > 10:
                        last_report = time.monotonic()
                        total = f" of {length}" if length else ""
                        log.info("  %s: %d%s bytes", dest.name, received, total)
                if length is not None and received != length:
                    raise DownloadError(f"download of {url} is incomplete: got {received} of {length} bytes "
                                        f"(connection closed early); nothing was kept, rerun to retry")
            actual = digest.hexdigest()
            if expected is not None and actual != expected:
                raise ChecksumMismatch(_mismatch_message(url, expected, actual))
    except (ChecksumMismatch, DownloadError):
        raise
    except http.client.IncompleteRead as error:
        raise DownloadError(f"download of {url} is incomplete: got {received + len(error.partial)} bytes, "
                            f"{error.expected} more were announced (connection closed early); nothing was "
                            f"kept, rerun to retry") from error
    except urllib.error.HTTPError as error:
        raise DownloadError(f"download of {url} failed: HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(f"download of {url} failed: {type(error).__name__}: {reason}; nothing was kept, "
                            f"rerun to retry (or download it by hand, see config/README.md)") from error
    log.info("downloaded %s (%d bytes, sha256 %s)", dest, received, actual)
    return actual


def read_checksum_table(checksum_tsv: str | os.PathLike[str]) -> list[tuple[str, str, int | None]]:
    """Rows (filename, sha256, size_bytes) of a TSV with header `filename\\tsha256\\tsize_bytes`."""
    path = Path(checksum_tsv)
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header is None or [h.strip() for h in header[:2]] != ["filename", "sha256"]:
            raise ValueError(f"{path}: expected a header 'filename<TAB>sha256<TAB>size_bytes', got {header!r}")
        rows = []
        for number, row in enumerate(reader, start=2):
            if not row or not row[0].strip():
                continue
            if len(row) < 2:
                raise ValueError(f"{path} line {number}: expected filename, sha256 and size_bytes")
            size = int(row[2]) if len(row) > 2 and row[2].strip() else None
            rows.append((row[0].strip(), row[1].strip().lower(), size))
    return rows


def verify_files(root: str | os.PathLike[str], checksum_tsv: str | os.PathLike[str]) -> None:
    """Check every file listed in `checksum_tsv` (found by name anywhere below `root`) by sha256.

    A listed name with slashes is matched against the end of the relative path. Raises
    ChecksumMismatch with the counts of missing and mismatching files and the first few of them.
    """
    root = Path(root)
    rows = read_checksum_table(checksum_tsv)
    by_name: dict[str, list[Path]] = {}
    for directory, _, files in os.walk(root):
        for name in files:
            by_name.setdefault(name, []).append(Path(directory) / name)

    missing: list[str] = []
    mismatching: list[tuple[str, str, str]] = []
    for filename, expected, _size in rows:
        wanted = Path(filename)
        candidates = [p for p in by_name.get(wanted.name, [])
                      if len(wanted.parts) == 1 or p.relative_to(root).parts[-len(wanted.parts):] == wanted.parts]
        if not candidates:
            missing.append(filename)
            continue
        digests = [sha256_file(p) for p in candidates]
        if expected not in digests:
            mismatching.append((candidates[0].relative_to(root).as_posix(), expected, digests[0]))

    if missing or mismatching:
        lines = [f"{root}: {len(missing) + len(mismatching)} of {len(rows)} files listed in {checksum_tsv} "
                 f"fail verification ({len(missing)} missing, {len(mismatching)} mismatching):"]
        lines += [f"  mismatch {name}: expected sha256 {exp}, actual sha256 {act}"
                  for name, exp, act in mismatching[:LISTED]]
        lines += [f"  missing  {name}" for name in missing[:LISTED]]
        if len(mismatching) > LISTED or len(missing) > LISTED:
            lines.append("  ...")
        lines.append("The corpus copy differs from the original release; get a clean copy (delete the "
                     "extracted folder and its archive and rerun) before using it.")
        raise ChecksumMismatch("\n".join(lines))
    log.info("verified %d files below %s against %s", len(rows), root, checksum_tsv)
