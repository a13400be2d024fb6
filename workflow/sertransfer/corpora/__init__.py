"""Corpus registry: one module per corpus, each a table of differences for the shared mechanism."""

from sertransfer.corpora import afew, emodb, emovo, enterface, iemocap, rml
from sertransfer.corpora.base import (MANIFEST_COLUMNS, BadAudioError, CorpusRootError, CorpusSpec,
                                      IngestResult, ingest)

CORPORA: dict[str, CorpusSpec] = {m.SPEC.key: m.SPEC for m in (afew, emodb, emovo, enterface, iemocap, rml)}


def get_corpus(key: str) -> CorpusSpec:
    """The corpus spec for `key`; a clear error listing the known keys otherwise."""
    try:
        return CORPORA[key]
    except KeyError:
        raise KeyError(f"unknown corpus {key!r}; known corpora: {', '.join(sorted(CORPORA))}") from None


__all__ = ["CORPORA", "MANIFEST_COLUMNS", "BadAudioError", "CorpusRootError", "CorpusSpec", "IngestResult",
           "get_corpus", "ingest"]
