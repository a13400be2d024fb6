"""The one corpus mechanism: a per-corpus table of differences (CorpusSpec) turned into a manifest."""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from sertransfer.audio import VIDEO_SUFFIXES, AudioError, audio_problem, is_video_container, read_audio
from sertransfer.defaults import default

log = logging.getLogger(__name__)

#: File suffixes that can hold an utterance (audio files and video containers with an audio track).
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".aiff", ".aif", ".mp3"}) | VIDEO_SUFFIXES

#: Manifest columns and their order (docs/design.md §3).
MANIFEST_COLUMNS = ("utterance_id", "domain", "path", "speaker", "gender", "emotion", "source_label",
                    "sample_rate", "channels", "duration_s")

GENDER_WORDS = {"f": "female", "m": "male", "female": "female", "male": "male"}

#: Labels read from separate label files: utterance name -> source label.
LabelTable = Mapping[str, str]


class CorpusRootError(ValueError):
    """A directory is missing or does not look like the expected corpus."""


class BadAudioError(RuntimeError):
    """A corpus file is unusable and `ingest.on_bad_audio` is 'fail'."""


@dataclass(frozen=True)
class LabelFiles:
    """Labels kept in separate files (IEMOCAP): where they are and how a file is read."""

    glob: str
    read: Callable[[Path], tuple[dict[str, str], list[str]]]
    key_group: str = "utterance"


@dataclass(frozen=True)
class CorpusSpec:
    """Everything that differs between corpora; `ingest` is the same for all of them."""

    key: str
    display_name: str
    root_markers: tuple[str, ...]
    audio_globs: tuple[str, ...]
    path_pattern: re.Pattern[str]
    label_map: Mapping[str, str]
    obtain: str
    speaker_format: str = "{speaker}"
    speaker_genders: Mapping[str, str] = field(default_factory=dict)
    label_files: LabelFiles | None = None

    def locate_root(self, path: Path) -> Path:
        """Return the corpus root at `path` or in a single wrapping subdirectory (e.g. `EMOVO/`)."""
        path = Path(path)
        if not path.is_dir():
            raise CorpusRootError(f"{self.display_name} root {path} does not exist or is not a directory")
        for candidate in (path, *_single_subdirectories(path)):
            if self._has_markers(candidate):
                return candidate
        raise CorpusRootError(
            f"{path} does not look like {self.display_name}: expected "
            f"{' or '.join(repr(m) for m in self.root_markers)} inside it (or inside one wrapping folder)")

    def _has_markers(self, path: Path) -> bool:
        """True when any root marker glob matches a directory below `path`."""
        return any(p.is_dir() for marker in self.root_markers for p in path.glob(marker))

    def map_label(self, source_label: str, overrides: Mapping[str, str | None]) -> str | None:
        """Map a corpus label to its common name (lower case); None when the corpus code is unknown."""
        lowered = {k.lower(): v for k, v in overrides.items()}
        key = source_label.lower()
        if key in lowered:
            return lowered[key] if lowered[key] is None else str(lowered[key]).lower()
        return self.label_map.get(key)

    def list_candidates(self, root: Path, emotions: tuple[str, ...], overrides: Mapping[str, str | None],
                        drop: Callable[..., None], unmapped: Counter[str],
                        ignored: list[str]) -> tuple[list[_Candidate], list[str]]:
        """Walk the corpus layout: every file that parses and maps to one of `emotions`; label-file warnings."""
        labels, label_warnings, conflicts = ({}, [], [])
        if self.label_files is not None:
            labels, label_warnings, conflicts = _read_label_files(self, root)
        candidates: list[_Candidate] = []
        seen: set[PurePosixPath] = set()
        for pattern in self.audio_globs:
            for file in sorted(root.glob(pattern)):
                relative = PurePosixPath(file.relative_to(root).as_posix())
                if relative in seen or not file.is_file():
                    continue
                seen.add(relative)
                if relative.name.startswith(".") or not is_audio_candidate(relative):
                    ignored.append(relative.as_posix())
                    continue
                match = self.path_pattern.fullmatch(relative.as_posix())
                if match is None:
                    drop(relative, "unparsed_name", f"does not match the {self.display_name} naming scheme")
                    continue
                groups = match.groupdict()
                if self.label_files is not None:
                    key = groups[self.label_files.key_group]
                    if key in conflicts:
                        drop(relative, "conflicting_labels", f"{key} has different labels in the label files")
                        continue
                    source_label = labels.get(key)
                    if source_label is None:
                        drop(relative, "no_label", f"{key} has no line in {self.label_files.glob}")
                        continue
                else:
                    source_label = groups["label"]
                if any(k.lower() == source_label.lower() and v is None for k, v in overrides.items()):
                    drop(relative, "dropped_by_mapping", source_label.lower())  # label_overrides: null, on purpose
                    continue
                mapped = self.map_label(source_label, overrides)
                if not keep_label(relative, source_label, mapped, emotions, drop, unmapped):
                    continue
                speaker = _speaker(self, groups)
                candidates.append(_Candidate(relative, speaker, _gender(self, speaker, groups), source_label, mapped))
        return candidates, label_warnings


def _single_subdirectories(path: Path, depth: int = 2) -> list[Path]:
    """Follow chains of lone visible subdirectories (archives often wrap the corpus in one folder)."""
    found: list[Path] = []
    current = path
    for _ in range(depth):
        children = [c for c in current.iterdir() if c.is_dir() and not c.name.startswith((".", "__MACOSX"))]
        if len(children) != 1:
            break
        current = children[0]
        found.append(current)
    return found


def keep_label(relative: PurePosixPath, source_label: str, mapped: str | None, emotions: tuple[str, ...],
               drop: Callable[..., None], unmapped: Counter[str]) -> bool:
    """Whether a mapped label is one of `emotions`; otherwise the file is dropped and its label counted."""
    if mapped is None:
        unmapped[f"unknown:{source_label}"] += 1
        drop(relative, "unmapped_label", f"unknown label code {source_label!r}")
        return False
    if mapped not in emotions:
        unmapped[mapped] += 1
        drop(relative, "unmapped_label", mapped)
        return False
    return True


def is_audio_candidate(path: PurePosixPath) -> bool:
    """True for files that may hold an utterance (by suffix, or AVI written without a dot)."""
    return path.suffix.lower() in AUDIO_SUFFIXES or is_video_container(Path(path.name))


def utterance_id(domain: str, relative: PurePosixPath) -> str:
    """Stable id unique across domains: `<domain>/<relative path without audio suffix>`."""
    stem = relative.with_suffix("") if relative.suffix.lower() in AUDIO_SUFFIXES else relative
    return f"{domain}/{stem.as_posix()}"


@dataclass
class IngestResult:
    """A manifest and the report describing everything that was not kept."""

    manifest: pd.DataFrame
    report: dict


@dataclass
class _Candidate:
    """One audio-bearing file on its way to the manifest."""

    relative: PurePosixPath
    speaker: str | None
    gender: str | None
    source_label: str
    emotion: str


def _read_label_files(spec: CorpusSpec, root: Path) -> tuple[dict[str, str], list[str], list[str]]:
    """Read every label file; return labels, warnings about odd lines, and conflicting utterances."""
    labels: dict[str, str] = {}
    warnings: list[str] = []
    conflicts: list[str] = []
    assert spec.label_files is not None
    for label_file in sorted(root.glob(spec.label_files.glob)):
        if not label_file.is_file():
            continue
        file_labels, file_warnings = spec.label_files.read(label_file)
        relative = label_file.relative_to(root).as_posix()
        warnings.extend(f"{relative}: {w}" for w in file_warnings)
        for utterance, label in file_labels.items():
            if utterance in labels and labels[utterance] != label:
                conflicts.append(utterance)
            labels[utterance] = label
    return labels, warnings, sorted(set(conflicts))


def _speaker(spec: CorpusSpec, groups: Mapping[str, str | None]) -> str | None:
    """Speaker id from the path's named groups; None when the corpus does not identify speakers."""
    if "speaker" not in spec.path_pattern.groupindex and spec.speaker_format == "{speaker}":
        return None
    return spec.speaker_format.format(**{k: (v or "") for k, v in groups.items()})


def _gender(spec: CorpusSpec, speaker: str | None, groups: Mapping[str, str | None]) -> str | None:
    """Gender from a path group or the corpus's speaker table, normalised to female/male."""
    raw = groups.get("gender") or (spec.speaker_genders.get(speaker) if speaker else None)
    return GENDER_WORDS.get(raw.lower()) if raw else None


def ingest(spec: CorpusSpec, root: Path, *, domain: str | None = None, emotions: tuple[str, ...],
           on_bad_audio: str = default("ingest.on_bad_audio"), min_duration_s: float = default("ingest.min_duration_s"),
           silence_peak: float = default("ingest.silence_peak"),
           label_overrides: Mapping[str, str | None] | None = None, threads: int = 1) -> IngestResult:
    """Parse the corpus at `root` into a manifest (six emotions) and a report of every drop."""
    domain = domain or spec.key
    root = spec.locate_root(root)
    overrides = label_overrides or {}
    drops: list[dict] = []
    unmapped: Counter[str] = Counter()
    ignored: list[str] = []

    def drop(relative: PurePosixPath | str, reason: str, detail: str = "") -> None:
        drops.append({"path": str(relative), "reason": reason, "detail": detail})

    candidates, label_warnings = spec.list_candidates(root, emotions, overrides, drop, unmapped, ignored)
    naming = [d for d in drops if d["reason"] in getattr(spec, "naming_problems", ())]
    if naming and on_bad_audio == "fail":
        listed = "; ".join(f"{d['path']} ({d['reason']}: {d['detail']})" for d in naming[:5])
        raise BadAudioError(f"{root}: {len(naming)} files cannot be read from their names, e.g. {listed}; fix the "
                            f"names or corpora.{domain}.pattern / label_map, or set ingest.on_bad_audio: drop to "
                            f"skip and list them")

    def inspect(candidate: _Candidate) -> tuple[_Candidate, dict | None, str | None, str]:
        if (root / candidate.relative).stat().st_size == 0:
            return candidate, None, "empty", "0 bytes"
        try:
            audio = read_audio(root / candidate.relative)
        except AudioError as error:
            return candidate, None, "unreadable", str(error)
        problem = audio_problem(audio, min_duration_s, silence_peak)
        facts = {"sample_rate": audio.sample_rate, "channels": audio.channels, "duration_s": audio.duration_s,
                 "digest": hashlib.sha256(np.ascontiguousarray(audio.mono()).tobytes()).hexdigest()}
        return candidate, facts, problem, f"{audio.duration_s:.3f} s" if problem == "too_short" else ""

    rows: list[dict] = []
    ids: set[str] = set()
    digests: dict[str, PurePosixPath] = {}
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for candidate, facts, problem, detail in pool.map(inspect, candidates):
            identifier = utterance_id(domain, candidate.relative)
            if problem is None and identifier in ids:
                problem, detail = "duplicate_id", f"{identifier} already taken by another file"
            elif problem is None and facts["digest"] in digests:  # the same recording under a second name
                problem, detail = "duplicate_audio", f"same audio as {digests[facts['digest']].as_posix()}"
            if problem == "duplicate_id":  # two names for one id: listed whatever the policy, as before
                drop(candidate.relative, problem, detail)
                continue
            if problem is not None:
                if on_bad_audio == "fail":
                    raise BadAudioError(
                        f"{root / candidate.relative}: {problem} ({detail or 'unusable audio'}); "
                        f"remove or replace the file, or set ingest.on_bad_audio: drop to skip it")
                drop(candidate.relative, problem, detail)
                continue
            ids.add(identifier)
            digests[facts.pop("digest")] = candidate.relative
            rows.append({"utterance_id": identifier, "domain": domain, "path": candidate.relative.as_posix(),
                         "speaker": candidate.speaker, "gender": candidate.gender, "emotion": candidate.emotion,
                         "source_label": candidate.source_label, **facts})

    manifest = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))
    manifest = manifest.sort_values("utterance_id", kind="stable").reset_index(drop=True)
    manifest = manifest.astype({"sample_rate": "int64", "channels": "int64", "duration_s": "float64"})
    report = build_report(spec, domain, root, manifest, drops, unmapped, ignored, label_warnings, emotions)
    return IngestResult(manifest, report)


def build_report(spec: CorpusSpec, domain: str, root: Path, manifest: pd.DataFrame, drops: list[dict],
                 unmapped: Counter[str], ignored: list[str], label_warnings: list[str],
                 emotions: tuple[str, ...]) -> dict:
    """The ingest report: counts kept, dropped per reason and per unmapped label, with offending paths."""
    per_emotion = manifest["emotion"].value_counts()
    drops = sorted(drops, key=lambda d: (d["reason"], d["path"]))
    return {
        "domain": domain,
        "corpus": spec.key,
        "root": str(root),
        "kept": int(len(manifest)),
        "kept_per_emotion": {e: int(per_emotion.get(e, 0)) for e in emotions},
        "speakers": int(manifest["speaker"].dropna().nunique()),
        "dropped": len(drops),
        "dropped_per_reason": dict(sorted(Counter(d["reason"] for d in drops).items())),
        "dropped_unmapped_labels": dict(sorted(unmapped.items(), key=lambda kv: (-kv[1], kv[0]))),
        "dropped_by_mapping": dict(sorted(Counter(d["detail"] for d in drops
                                                  if d["reason"] == "dropped_by_mapping").items())),
        "dropped_files": drops,
        "ignored_files": len(ignored),
        "ignored_examples": ignored[:20],
        "label_file_warnings": label_warnings,
    }
