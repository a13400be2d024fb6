"""Corpora described by a table (`format: table`) or an audformat database (`format: audformat`).

A table lists one utterance per row: `file` (relative to the corpus root), `label`, `speaker`, and
optionally `gender` and `split`. Labels that name one of the emotions map to it; any other label needs
an entry in `label_map` (an emotion, or null to drop the label: reported as dropped by mapping).
Labels are matched case-insensitively. Rows that cannot be right stop the ingest with the row named: a missing file, a
label without mapping, a file listed twice, a path outside the corpus root. Files that exist but hold
bad audio follow `ingest.on_bad_audio` like every corpus.

An audformat database (`db.yaml` and its tables) becomes the same rows: the label column and the
optional speaker and gender columns are named as `<table>.<column>` in the config.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from sertransfer.corpora.base import GENDER_WORDS, CorpusRootError, _Candidate, keep_label

TABLE_COLUMNS = ("file", "label", "speaker")
OPTIONAL_COLUMNS = ("gender", "split")


class CorpusTableError(ValueError):
    """A corpus table row cannot be right; the message names the table, the row and what to do."""


@dataclass(frozen=True)
class TableCorpus:
    """A corpus whose utterances, labels and speakers come from a table (or an audformat database)."""

    key: str
    display_name: str
    table: str = "files.csv"
    label_map: Mapping[str, str | None] = field(default_factory=dict)
    audformat: Mapping[str, str] | None = None  # {label: "<table>.<column>", speaker: ..., gender: ...}
    obtain: str = "Place the corpus (its audio files and its table) in the folder."

    @property
    def format(self) -> str:
        """`table` or `audformat`."""
        return "audformat" if self.audformat is not None else "table"

    def locate_root(self, path: Path) -> Path:
        """The corpus root: a directory holding the table (or `db.yaml`)."""
        path = Path(path)
        if not path.is_dir():
            raise CorpusRootError(f"{self.display_name} root {path} does not exist or is not a directory")
        marker = path / ("db.yaml" if self.audformat is not None else self.table)
        if not marker.is_file():
            raise CorpusRootError(f"{path} does not look like {self.display_name}: expected {marker.name} in it "
                                  f"(corpora.{self.key}.{'format' if self.audformat is not None else 'table'})")
        return path

    def rows(self, root: Path) -> tuple[pd.DataFrame, str]:
        """The table's rows (file, label, speaker, gender, split as text) and its name for messages."""
        if self.audformat is not None:
            return audformat_rows(root, self.audformat), f"{root / 'db.yaml'}"
        path = root / self.table
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
            raise CorpusTableError(f"corpus table {path} is unreadable ({error})") from error
        missing = [c for c in ("file", "label") if c not in frame.columns]
        if missing:
            raise CorpusTableError(f"corpus table {path} lacks the columns {missing}; it needs file, label, speaker "
                                   f"(optional: gender, split)")
        for column in ("speaker", *OPTIONAL_COLUMNS):
            if column not in frame.columns:
                frame[column] = ""
        return frame, str(path)

    def list_candidates(self, root: Path, emotions: tuple[str, ...], overrides: Mapping[str, str | None],
                        drop: Callable[..., None], unmapped: Counter[str],
                        ignored: list[str]) -> tuple[list[_Candidate], list[str]]:
        """One candidate per row; a row that cannot be right raises CorpusTableError naming it."""
        frame, where = self.rows(root)
        mapping = {**{k.lower(): v for k, v in self.label_map.items()}, **{k.lower(): v for k, v in overrides.items()}}
        resolved_root = root.resolve()
        seen: dict[str, int] = {}
        candidates = []
        for number, row in enumerate(frame.to_dict("records"), start=2):  # row 1 is the header
            name = str(row["file"]).strip()
            place = f"{where}, row {number} (file {name!r})"
            if not name:
                raise CorpusTableError(f"{place}: empty file name")
            target = (root / name).resolve()
            if Path(name).is_absolute() or not target.is_relative_to(resolved_root):
                raise CorpusTableError(f"{place}: the path leads outside the corpus root {root}; list files "
                                       f"relative to the root, inside it")
            relative = PurePosixPath(target.relative_to(resolved_root).as_posix())
            if relative.as_posix() in seen:
                raise CorpusTableError(f"{place}: the file is listed twice (first in row {seen[relative.as_posix()]})"
                                       f"; keep one row per file")
            seen[relative.as_posix()] = number
            if not target.is_file():
                raise CorpusTableError(f"{place}: no such file under {root}; fix the path or remove the row")
            label = str(row["label"]).strip()
            if label.lower() in mapping:
                mapped = mapping[label.lower()]
                mapped = None if mapped is None else str(mapped).lower()
            elif label.lower() in emotions:
                mapped = label.lower()
            else:
                raise CorpusTableError(f"{place}: label {label!r} is not one of the emotions {list(emotions)} and "
                                       f"has no mapping; add corpora.{self.key}.label_map: {{{label}: <emotion>}} "
                                       f"(or {{{label}: null}} to drop it)")
            if mapped is None:  # mapped to null on purpose: dropped and reported as such
                drop(relative, "dropped_by_mapping", label.lower())
                continue
            if not keep_label(relative, label, mapped, emotions, drop, unmapped):
                continue
            speaker = str(row.get("speaker", "")).strip() or None
            gender = GENDER_WORDS.get(str(row.get("gender", "")).strip().lower())
            candidates.append(_Candidate(relative, speaker, gender, label, mapped))
        return candidates, []


def audformat_rows(root: Path, columns: Mapping[str, str]) -> pd.DataFrame:
    """An audformat database's files with their label (and speaker, gender) as table rows."""
    import audformat

    try:
        database = audformat.Database.load(str(root), load_data=True)
    except Exception as error:  # audformat raises several types for broken databases
        raise CorpusTableError(f"audformat database {root / 'db.yaml'} cannot be loaded ({error})") from error

    def column(key: str, required: bool = False) -> pd.Series | None:
        reference = columns.get(key)
        if not reference:
            return None
        table, _, name = reference.partition(".")
        if table not in database.tables or name not in database[table].columns:
            if required or reference:
                raise CorpusTableError(f"audformat database {root / 'db.yaml'} has no column {reference!r} "
                                       f"(audformat.{key}: <table>.<column>)")
            return None
        values = database[table][name].get()
        if isinstance(values.index, pd.MultiIndex):  # segmented tables: one label per file
            values = values.groupby(level="file").first()
        return values

    labels = column("label", required=True)
    unlabelled = [str(f) for f in labels.index[labels.isna()]]
    if unlabelled:
        raise CorpusTableError(f"audformat database {root / 'db.yaml'}: {len(unlabelled)} files have no "
                               f"{columns['label']} value (e.g. {unlabelled[0]!r}); label them or remove them")
    rows = pd.DataFrame({"file": [str(f) for f in labels.index], "label": labels.astype(str).to_numpy()})
    for key in ("speaker", "gender"):
        values = column(key)
        rows[key] = [str(values.get(f, "")) if values is not None else "" for f in labels.index]
    rows["split"] = ""
    return rows
