"""Atomic outputs: write to a temporary sibling, rename when complete (docs/design.md §16)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _current_umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def remove_stale_partials(path: Path) -> list[Path]:
    """Remove the temporaries a killed earlier writer of `path` left beside it (never accepted as `path`)."""
    stale = sorted(path.parent.glob(f".{glob.escape(path.name)}.partial-*"))
    for leftover in stale:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    return stale


def _temporary_sibling(path: Path, directory: bool) -> Path:
    """Create a unique hidden temporary name beside `path` (same filesystem, so rename is atomic).

    Each output has one writer at a time (the Snakemake job that makes it, under the workflow's lock),
    so the partial files an earlier, killed attempt left are removed first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(path)
    prefix = f".{path.name}.partial-"
    if directory:
        name = tempfile.mkdtemp(prefix=prefix, dir=path.parent)
        os.chmod(name, 0o777 & ~_UMASK)
        return Path(name)
    handle, name = tempfile.mkstemp(prefix=prefix, dir=path.parent, suffix=path.suffix)
    os.close(handle)
    os.chmod(name, 0o666 & ~_UMASK)  # mkstemp makes 0600; finished outputs get the usual permissions
    return Path(name)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary file path; on success it replaces `path`, on error it is removed."""
    final = Path(path)
    temporary = _temporary_sibling(final, directory=False)
    try:
        yield temporary
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary directory; on success it becomes `path` (which must not exist yet)."""
    final = Path(path)
    if final.exists():
        raise FileExistsError(f"{final} already exists; remove it first to rebuild it")
    temporary = _temporary_sibling(final, directory=True)
    try:
        yield temporary
        os.rename(temporary, final)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` atomically (UTF-8)."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
