"""Corpora whose labels are in their file names (`format: pattern`): a glob and a regular expression.

Every file the glob finds under the corpus root is matched, by its path relative to the root (with
`/`), against the regular expression as a whole (`re.fullmatch`; the expression is case-sensitive
unless it says `(?i)`). Named groups: `label` (required), `speaker` and `gender` (optional); the
gender group's text goes through `gender_map` (then f/m/female/male). The label is looked up in
`label_map` **case-insensitively** (`Angry`, `angry` and `ANGRY` are one label): an emotion, or null to
drop it on purpose (reported as dropped by mapping); a label that names one of the emotions needs no
entry. A file whose path does not match and a label with no mapping are naming problems: with
`ingest.on_bad_audio: drop` they are dropped and listed in the ingest report with their names, with
`fail` the ingest stops and names them. Audio duplicated under two names is found by the ingest for
every corpus (`duplicate_audio`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sertransfer.corpora.base import GENDER_WORDS, CorpusRootError, _Candidate, is_audio_candidate

#: Drop reasons of a pattern corpus that `ingest.on_bad_audio: fail` turns into a stop.
NAMING_PROBLEMS = ("unparsed_name", "no_mapping")


class CorpusPatternError(ValueError):
    """A pattern corpus's glob or regular expression cannot work; the message names the config key."""


@dataclass(frozen=True)
class PatternCorpus:
    """A corpus read from its file names: which files (glob), what their paths say (regex), the label map."""

    key: str
    display_name: str
    glob: str
    regex: str
    label_map: Mapping[str, str | None] = field(default_factory=dict)
    gender_map: Mapping[str, str] = field(default_factory=dict)
    obtain: str = "Place the corpus's audio files in the folder, named as corpora.<domain>.pattern.regex expects."
    naming_problems: tuple[str, ...] = NAMING_PROBLEMS

    @property
    def format(self) -> str:
        """`pattern`."""
        return "pattern"

    def compiled(self) -> re.Pattern[str]:
        """The regular expression, checked for its `label` group."""
        try:
            pattern = re.compile(self.regex)
        except re.error as error:
            raise CorpusPatternError(f"corpora.{self.key}.pattern.regex is not a regular expression ({error})") \
                from error
        if "label" not in pattern.groupindex:
            raise CorpusPatternError(f"corpora.{self.key}.pattern.regex needs a named group (?P<label>...) for the "
                                     f"emotion label (optional: (?P<speaker>...), (?P<gender>...))")
        return pattern

    def locate_root(self, path: Path) -> Path:
        """The corpus root: a directory in which the glob finds at least one file."""
        path = Path(path)
        if not path.is_dir():
            raise CorpusRootError(f"{self.display_name} root {path} does not exist or is not a directory")
        if not any(p.is_file() for p in path.glob(self.glob)):
            raise CorpusRootError(f"{path} does not look like {self.display_name}: corpora.{self.key}.pattern.glob "
                                  f"{self.glob!r} finds no file in it")
        return path

    def list_candidates(self, root: Path, emotions: tuple[str, ...], overrides: Mapping[str, str | None],
                        drop: Callable[..., None], unmapped: Counter[str],
                        ignored: list[str]) -> tuple[list[_Candidate], list[str]]:
        """A candidate per matching file whose label maps to one of `emotions`; every other file dropped or ignored."""
        pattern = self.compiled()
        mapping = {str(k).lower(): v for k, v in {**self.label_map, **overrides}.items()}
        genders = {str(k).lower(): v for k, v in self.gender_map.items()}
        candidates = []
        for file in sorted(root.glob(self.glob)):
            relative = PurePosixPath(file.relative_to(root).as_posix())
            if not file.is_file():
                continue
            if relative.name.startswith(".") or not is_audio_candidate(relative):
                ignored.append(relative.as_posix())
                continue
            match = pattern.fullmatch(relative.as_posix())
            if match is None:
                drop(relative, "unparsed_name", f"does not match corpora.{self.key}.pattern.regex")
                continue
            label = match["label"]
            if label.lower() in mapping:
                mapped = mapping[label.lower()]
                if mapped is None:
                    drop(relative, "dropped_by_mapping", label.lower())
                    continue
                mapped = str(mapped).lower()
            elif label.lower() in emotions:
                mapped = label.lower()
            else:
                drop(relative, "no_mapping", f"label {label!r} is not an emotion and corpora.{self.key}.label_map "
                                             f"has no entry for it")
                continue
            if mapped not in emotions:
                unmapped[mapped] += 1
                drop(relative, "unmapped_label", mapped)
                continue
            groups = match.groupdict()
            raw_gender = (groups.get("gender") or "").lower()
            gender = GENDER_WORDS.get(str(genders.get(raw_gender, raw_gender)).lower()) if raw_gender else None
            candidates.append(_Candidate(relative, groups.get("speaker") or None, gender, label, mapped))
        return candidates, []
