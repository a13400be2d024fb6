"""A corpus's ready marker (`data/raw/<domain>.ready.json`): written once the corpus is in place (rule
fetch_corpus), it says where the corpus root is; ingest and the feature rules read the audio from there."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from sertransfer.atomic import write_text


class ReadyMarkerError(ValueError):
    """A ready marker that cannot say where its corpus is."""


def write_ready(marker: str | Path, content: Mapping) -> None:
    """Write a ready marker atomically (`content` names the corpus root under `root`)."""
    write_text(marker, json.dumps(dict(content), indent=2) + "\n")


def ready_root(marker: str | Path) -> Path:
    """The corpus root a ready marker names; an error naming the marker and the fix when it cannot."""
    try:
        return Path(json.loads(Path(marker).read_text(encoding="utf-8"))["root"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ReadyMarkerError(f"{marker} does not say where its corpus is ({type(error).__name__}: {error}); "
                               "delete it and rerun the workflow: rule fetch_corpus writes it again") from None
