"""Safe archive extraction: zip and tar, inspected completely before anything is written (docs/design.md §16).

Refused (``UnsafeArchiveError``, naming the archive and the member): absolute paths (also
Windows drive letters and leading backslashes), ``..`` components, members written through
a link, symlinks/hardlinks that resolve outside the target (link chains included), device
files, fifos and sockets, and decompression bombs (declared total above
``max_extracted_bytes``, a member's compression ratio above ``max_compression_ratio``).
The size limit is also enforced on the bytes actually written, since declared sizes can
lie: on any error the files written so far are removed again.

Readings: backslashes in member names are treated as path separators (archives made on
Windows); zip names are decoded as UTF-8 when the UTF-8 flag or an Info-ZIP Unicode path
field says so, else as UTF-8 when the raw bytes are valid UTF-8, else as cp437 (the zip
default). Tar names are read as UTF-8 (PAX names always are), falling back to latin-1.
Hardlinks are extracted as copies. Symlinks (inside the target only) are created last.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

CHUNK = 1 << 20
#: Longest symlink target read from a zip member (the target is the member's content).
MAX_LINK_TARGET = 4096
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveError(ValueError):
    """The archive cannot be read (unknown format, corrupt, encrypted)."""


class UnsafeArchiveError(ArchiveError):
    """A member would escape the target, is not a plain file/dir/link, or the archive is a bomb."""


@dataclass
class _Member:
    """One archive member after inspection."""

    name: str  # decoded name as in the archive (for messages)
    parts: tuple[str, ...]  # normalised path components below the target
    kind: str  # "file", "dir", "symlink", "hardlink"
    size: int  # declared uncompressed size (files)
    link: str = ""  # symlink target (as stored) or hardlink source (archive path)
    link_parts: tuple[str, ...] = ()  # hardlink source, normalised
    ref: object = None  # ZipInfo or TarInfo

    @property
    def relpath(self) -> str:
        """The member's path inside the archive, with forward slashes."""
        return "/".join(self.parts)


# ----------------------------------------------------------------------------------------------
# format detection


def archive_format(archive: Path) -> str:
    """'zip' or 'tar' by content (not by name); ArchiveError when it is neither."""
    with open(archive, "rb") as handle:
        head = handle.read(512)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:6] == b"\xfd7zXZ\x00":
        return "tar"
    if head[257:262] == b"ustar":
        return "tar"
    if zipfile.is_zipfile(archive):  # e.g. self-extracting: data before the first local header
        return "zip"
    try:
        if tarfile.is_tarfile(archive):  # old (v7) tar without the ustar magic
            return "tar"
    except (OSError, tarfile.TarError, EOFError):
        pass
    raise ArchiveError(f"{archive} is neither a zip nor a tar archive (.tar, .tar.gz, .tar.bz2, .tar.xz)")


# ----------------------------------------------------------------------------------------------
# names


def _split_name(archive: Path, name: str) -> tuple[str, ...]:
    """Normalised components of a member name; UnsafeArchiveError for absolute paths and `..`."""
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing to extract")
    parts = tuple(p for p in re.split(r"[/\\]", name) if p not in ("", "."))
    if ".." in parts:
        raise UnsafeArchiveError(f"{archive}: member {name!r} contains a '..' component; refusing to extract")
    if "\x00" in name:
        raise UnsafeArchiveError(f"{archive}: member {name!r} contains a NUL character; refusing to extract")
    return parts


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Decode a zip member name: UTF-8 flag, Info-ZIP Unicode path field, valid UTF-8, else cp437."""
    if info.flag_bits & 0x800:
        return info.filename  # zipfile decoded it as UTF-8 already
    raw = info.orig_filename.encode("cp437")  # zipfile decoded the raw bytes as cp437: undo that
    extra = info.extra
    while len(extra) >= 4:
        header_id, length = struct.unpack("<HH", extra[:4])
        body = extra[4:4 + length]
        if header_id == 0x7075 and len(body) >= 5 and body[0] == 1:
            (crc,) = struct.unpack("<I", body[1:5])
            if crc == zlib.crc32(raw):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    break
        extra = extra[4 + length:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return info.filename


def _tar_name(name: str) -> str:
    """Tar names are read as UTF-8 with surrogateescape; re-decode undecodable bytes as latin-1."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("latin-1")


# ----------------------------------------------------------------------------------------------
# inspection


def _check_ratio(archive: Path, name: str, size: int, compressed: int, max_ratio: float) -> None:
    """Refuse a member that expands more than `max_ratio` times its compressed size."""
    if size > 0 and size > max_ratio * max(compressed, 1):
        raise UnsafeArchiveError(
            f"{archive}: member {name!r} expands {size} bytes from {compressed} "
            f"(ratio {size / max(compressed, 1):.0f} > download.max_compression_ratio {max_ratio:g}); "
            f"refusing a likely decompression bomb")


def _check_total(archive: Path, name: str, total: int, max_bytes: int) -> None:
    """Refuse an archive whose declared uncompressed size so far exceeds `max_bytes`."""
    if total > max_bytes:
        raise UnsafeArchiveError(
            f"{archive}: declared uncompressed size reaches {total} bytes at member {name!r}, above "
            f"download.max_extracted_bytes {max_bytes}; refusing a likely decompression bomb "
            f"(raise the limit in the config if the archive is genuine)")


def _inspect_zip(archive: Path, zf: zipfile.ZipFile, max_bytes: int, max_ratio: float) -> list[_Member]:
    """Every member of a zip archive, checked (names, types, sizes) before anything is written."""
    members: list[_Member] = []
    total = 0
    for info in zf.infolist():
        name = _zip_name(info)
        parts = _split_name(archive, name)
        mode = info.external_attr >> 16
        fmt = stat.S_IFMT(mode) if (info.create_system == 3 or mode) else 0
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{archive}: member {name!r} is encrypted; cannot extract it")
        if fmt and fmt not in (stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK):
            raise UnsafeArchiveError(f"{archive}: member {name!r} is a device file, fifo or socket "
                                     f"(mode {oct(mode)}); refusing to extract")
        if not parts:
            if info.is_dir() or fmt == stat.S_IFDIR:
                continue
            raise UnsafeArchiveError(f"{archive}: member {name!r} has an empty path; refusing to extract")
        if fmt == stat.S_IFLNK:
            if info.file_size > MAX_LINK_TARGET:
                raise UnsafeArchiveError(f"{archive}: symlink member {name!r} has an oversized target")
            target = zf.read(info).decode("utf-8", "surrogateescape")
            members.append(_Member(name, parts, "symlink", 0, link=target, ref=info))
        elif info.is_dir() or fmt == stat.S_IFDIR:
            members.append(_Member(name, parts, "dir", 0, ref=info))
        else:
            _check_ratio(archive, name, info.file_size, info.compress_size, max_ratio)
            total += info.file_size
            _check_total(archive, name, total, max_bytes)
            members.append(_Member(name, parts, "file", info.file_size, ref=info))
    return members


def _inspect_tar(archive: Path, max_bytes: int, max_ratio: float) -> list[_Member]:
    """Stream through the tar once (no data kept), checking limits as it goes."""
    compressed = archive.stat().st_size
    members: list[_Member] = []
    total = 0
    with tarfile.open(archive, mode="r|*", encoding="utf-8", errors="surrogateescape") as tf:
        for info in tf:
            members.append(_tar_member(archive, info))
            if info.isreg():
                total += info.size
                _check_total(archive, members[-1].name, total, max_bytes)
                if total > max_ratio * max(compressed, 1):
                    _check_ratio(archive, members[-1].name, total, compressed, max_ratio)
    return [m for m in members if m.parts or m.kind != "dir"]


def _tar_member(archive: Path, info: tarfile.TarInfo) -> _Member:
    """One tar member as a checked `_Member`; special files are refused."""
    name = _tar_name(info.name)
    if info.ischr() or info.isblk() or info.isfifo() or not (
            info.isreg() or info.isdir() or info.issym() or info.islnk()):
        raise UnsafeArchiveError(f"{archive}: member {name!r} is a device file, fifo or other special "
                                 f"file (tar type {info.type!r}); refusing to extract")
    parts = _split_name(archive, name)
    if not parts and not info.isdir():
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an empty path; refusing to extract")
    if info.issym():
        return _Member(name, parts, "symlink", 0, link=_tar_name(info.linkname), ref=info)
    if info.islnk():
        link = _tar_name(info.linkname)
        try:
            link_parts = _split_name(archive, link)
        except UnsafeArchiveError:
            raise UnsafeArchiveError(f"{archive}: hardlink member {name!r} points to {link!r}, outside "
                                     f"the target directory; refusing to extract") from None
        return _Member(name, parts, "hardlink", 0, link=link, link_parts=link_parts, ref=info)
    if info.isdir():
        return _Member(name, parts, "dir", 0, ref=info)
    return _Member(name, parts, "file", info.size, ref=info)


def _resolve(parts: tuple[str, ...] | list[str], links: dict[str, str], depth: int = 0) -> list[str] | None:
    """Resolve a path below the target as the filesystem would once all archive symlinks exist.

    Returns the real components, or None when the path leaves the target (or loops)."""
    if depth > 40:
        return None
    stack: list[str] = []
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not stack:
                return None
            stack.pop()
            continue
        stack.append(part)
        target = links.get("/".join(stack))
        if target is not None:
            if target.startswith(("/", "\\")) or _DRIVE.match(target):
                return None
            resolved = _resolve(stack[:-1] + re.split(r"[/\\]", target), links, depth + 1)
            if resolved is None:
                return None
            stack = resolved
    return stack


def _check_links(archive: Path, members: list[_Member]) -> None:
    """No member written through a link; every link resolves inside the target."""
    links = {m.relpath: m.link for m in members if m.kind == "symlink"}
    kinds: dict[str, str] = {}
    for m in members:
        previous = kinds.get(m.relpath)
        if previous is not None and "symlink" in (previous, m.kind):
            raise UnsafeArchiveError(f"{archive}: member {m.name!r} appears twice, once as a symlink; "
                                     f"refusing to extract")
        kinds[m.relpath] = m.kind
    for m in members:
        for i in range(1, len(m.parts)):
            if "/".join(m.parts[:i]) in links:
                raise UnsafeArchiveError(f"{archive}: member {m.name!r} would be written through the "
                                         f"symlink {'/'.join(m.parts[:i])!r}; refusing to extract")
        if m.kind == "symlink" and _resolve(m.parts, links) is None:
            raise UnsafeArchiveError(f"{archive}: symlink member {m.name!r} -> {m.link!r} points outside "
                                     f"the target directory; refusing to extract")
        if m.kind == "hardlink":
            source = _resolve(m.link_parts, links)
            if source is None:
                raise UnsafeArchiveError(f"{archive}: hardlink member {m.name!r} -> {m.link!r} points "
                                         f"outside the target directory; refusing to extract")
            if kinds.get("/".join(source)) != "file":
                raise UnsafeArchiveError(f"{archive}: hardlink member {m.name!r} -> {m.link!r} does not "
                                         f"point to a regular file in the archive; refusing to extract")


# ----------------------------------------------------------------------------------------------
# writing


class _Writer:
    """Writes members below `target`, counting bytes against the limit, remembering what it made."""

    def __init__(self, archive: Path, target: Path, max_bytes: int) -> None:
        self.archive = archive
        self.target = target
        self.real_target = os.path.realpath(target)
        self.max_bytes = max_bytes
        self.written = 0
        self.files = 0
        self.created: list[Path] = []

    def _path(self, member: _Member) -> Path:
        """Where a member goes below the target."""
        return self.target.joinpath(*member.parts)

    def _inside(self, path: Path) -> bool:
        """Whether `path`, symlinks resolved, is the target or below it."""
        real = os.path.realpath(path)
        return real == self.real_target or real.startswith(self.real_target + os.sep)

    def _parent(self, member: _Member) -> Path:
        """A member's path, its parent directories made and checked to be inside the target."""
        path = self._path(member)
        self.mkdir(path.parent, member)
        if not self._inside(path.parent):
            raise UnsafeArchiveError(f"{self.archive}: member {member.name!r} would be written outside "
                                     f"{self.target}; refusing to extract")
        return path

    def mkdir(self, path: Path, member: _Member) -> None:
        """Make `path` and its missing parents, remembering each one made."""
        missing = []
        current = path
        while not current.exists() and not current.is_symlink():
            missing.append(current)
            current = current.parent
        for directory in reversed(missing):
            directory.mkdir()
            self.created.append(directory)
        if not path.is_dir() or not self._inside(path):
            raise UnsafeArchiveError(f"{self.archive}: member {member.name!r} needs {path} to be a "
                                     f"directory inside the target; refusing to extract")

    def file(self, member: _Member, source: BinaryIO) -> None:
        """Write a regular member from `source`, never through a symlink, counting its bytes."""
        path = self._parent(member)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        existed = path.exists() or path.is_symlink()
        fd = os.open(path, flags, 0o644)
        if not existed:
            self.created.append(path)
        with os.fdopen(fd, "wb") as sink:
            copy_limited(source, sink, archive=self.archive, member=member.name, declared=member.size,
                         budget=self)
        self.files += 1

    def charge(self, count: int, member: str) -> None:
        """Count `count` more bytes written; abort once the total passes the limit."""
        self.written += count
        if self.written > self.max_bytes:
            raise UnsafeArchiveError(
                f"{self.archive}: extraction wrote more than download.max_extracted_bytes "
                f"{self.max_bytes} bytes (at member {member!r}); aborted, likely a decompression bomb")

    def copy(self, member: _Member, source_parts: list[str]) -> None:
        """Write a hard-link member as a copy of the file it links to (already extracted)."""
        source = self.target.joinpath(*source_parts)
        with open(source, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            member.size = size
            self.file(member, handle)

    def symlink(self, member: _Member) -> None:
        """Make a symlink member (its target was checked to stay inside the archive)."""
        path = self._parent(member)
        if path.is_symlink() or path.exists():
            raise UnsafeArchiveError(f"{self.archive}: symlink member {member.name!r} would replace an "
                                     f"existing path; refusing to extract")
        os.symlink(member.link, path)
        self.created.append(path)
        if not self._inside(path):
            raise UnsafeArchiveError(f"{self.archive}: symlink member {member.name!r} -> {member.link!r} "
                                     f"points outside the target directory; refusing to extract")
        self.files += 1

    def undo(self) -> None:
        """Remove everything this writer created (newest first)."""
        for path in reversed(self.created):
            try:
                if path.is_symlink() or not path.is_dir():
                    path.unlink(missing_ok=True)
                else:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass


def copy_limited(source: BinaryIO, sink: BinaryIO, *, archive: Path | str, member: str, declared: int,
                 budget: _Writer | None = None) -> int:
    """Stream `source` to `sink`; refuse more bytes than `declared` (a lying header) or the budget."""
    copied = 0
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            return copied
        copied += len(chunk)
        if copied > declared:
            raise UnsafeArchiveError(f"{archive}: member {member!r} holds more data than its declared "
                                     f"{declared} bytes; aborted, refusing a lying archive")
        if budget is not None:
            budget.charge(len(chunk), member)
        sink.write(chunk)


MemberOpener = Callable[[_Member], contextlib.AbstractContextManager[BinaryIO]]  # the open member's bytes, read once


def _write(members: list[_Member], writer: _Writer, open_member: MemberOpener) -> None:
    """Directories and files first (in archive order), then hardlink copies, then symlinks."""
    links = {m.relpath: m.link for m in members if m.kind == "symlink"}
    for m in members:
        if m.kind == "dir":
            writer.mkdir(writer.target.joinpath(*m.parts), m)
        elif m.kind == "file":
            with open_member(m) as source:
                writer.file(m, source)
    for m in members:
        if m.kind == "hardlink":
            writer.copy(m, _resolve(m.link_parts, links) or [])
    for m in members:
        if m.kind == "symlink":
            writer.symlink(m)


def safe_extract(archive: str | os.PathLike[str], target: str | os.PathLike[str], *, max_extracted_bytes: int,
                 max_compression_ratio: float) -> int:
    """Extract a zip or tar (.tar, .tar.gz/.tgz, .tar.bz2, .tar.xz; format by content) into `target`.

    Every member is inspected before anything is written; unsafe archives raise
    UnsafeArchiveError naming the archive and the member. Returns the number of files written
    (regular files, hardlink copies and symlinks). On any error what was written is removed.
    """
    archive, target = Path(archive), Path(target)
    kind = archive_format(archive)
    try:
        if kind == "zip":
            with zipfile.ZipFile(archive) as zf:
                members = _inspect_zip(archive, zf, max_extracted_bytes, max_compression_ratio)
                _check_links(archive, members)
                return _extract(archive, target, members, max_extracted_bytes, lambda m: zf.open(m.ref))
        members = _inspect_tar(archive, max_extracted_bytes, max_compression_ratio)
        _check_links(archive, members)
        return _extract_tar(archive, target, members, max_extracted_bytes)
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, tarfile.TarError, EOFError, zlib.error, RuntimeError,
            NotImplementedError, UnicodeDecodeError, OSError) as error:
        raise ArchiveError(f"{archive}: cannot extract ({type(error).__name__}: {error}); the archive is "
                           f"corrupt or incomplete: delete it and download it again") from error


def _extract(archive: Path, target: Path, members: list[_Member], max_bytes: int, open_member: MemberOpener) -> int:
    """Write the checked members below `target`; on any error remove what was made. Returns the files written."""
    created_target = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    writer = _Writer(archive, target, max_bytes)
    try:
        _write(members, writer, open_member)
    except BaseException:
        writer.undo()
        if created_target:
            shutil.rmtree(target, ignore_errors=True)
        raise
    log.info("extracted %d files (%d bytes) from %s into %s", writer.files, writer.written, archive, target)
    return writer.files


def _extract_tar(archive: Path, target: Path, members: list[_Member], max_bytes: int) -> int:
    """Second streaming pass: each file's data is read while the stream is at it (files in archive order)."""
    with tarfile.open(archive, mode="r|*", encoding="utf-8", errors="surrogateescape") as tf:
        stream = iter(tf)
        planned = iter([m for m in members if m.kind == "file"])

        @contextlib.contextmanager
        def open_member(member: _Member) -> Iterator[BinaryIO]:
            for info in stream:
                if not info.isreg():
                    continue
                expected = next(planned, None)
                if expected is None or expected.name != _tar_name(info.name) or expected.size != info.size:
                    raise ArchiveError(f"{archive}: changed while being extracted (at member {info.name!r})")
                if expected is member:
                    handle = tf.extractfile(info)
                    assert handle is not None
                    yield handle
                    return
            raise ArchiveError(f"{archive}: member {member.name!r} vanished while extracting")

        return _extract(archive, target, members, max_bytes, open_member)
