"""Corpus registry: the six corpora of the paper (one module each, a table of differences for the shared
mechanism) and corpora described by a table or an audformat database (`corpora.table`)."""

from collections.abc import Mapping

from sertransfer.corpora import afew, emodb, emovo, enterface, iemocap, rml
from sertransfer.corpora.base import MANIFEST_COLUMNS, BadAudioError, CorpusRootError, CorpusSpec, IngestResult, ingest
from sertransfer.corpora.pattern import CorpusPatternError, PatternCorpus
from sertransfer.corpora.table import CorpusTableError, TableCorpus

#: The six corpora's specs, in vocabulary.CORPUS_LAYOUTS's order (tests/test_corpora.py: the same keys).
CORPORA: dict[str, CorpusSpec] = {m.CORPUS.key: m.CORPUS for m in (afew, emodb, emovo, enterface, iemocap, rml)}


def get_corpus(key: str) -> CorpusSpec:
    """The spec of one of the six corpora; a clear error listing the known keys otherwise."""
    try:
        return CORPORA[key]
    except KeyError:
        raise KeyError(f"unknown corpus {key!r}; known corpora: {', '.join(sorted(CORPORA))} (any other corpus: "
                       f"format: table, audformat or pattern)") from None


def corpus_format(domain: str, corpus: Mapping) -> str:
    """A domain's format: `corpora.<domain>.format`, or the domain's own name when it is one of the six."""
    return corpus.get("format") or domain


def corpus_spec(domain: str, corpus: Mapping) -> CorpusSpec | TableCorpus | PatternCorpus:
    """How to read the corpus of `domain` (its validated `corpora.<domain>` block)."""
    kind = corpus_format(domain, corpus)
    if kind == "table":
        return TableCorpus(domain, domain, table=corpus.get("table") or "files.csv",
                           label_map=corpus.get("label_map") or {})
    if kind == "pattern":
        pattern = corpus["pattern"]
        return PatternCorpus(domain, domain, pattern["glob"], pattern["regex"], corpus.get("label_map") or {},
                             pattern.get("gender_map") or {})
    if kind == "audformat":
        return TableCorpus(domain, domain, label_map=corpus.get("label_map") or {}, audformat=corpus["audformat"])
    return get_corpus(kind)


def display_name(domain: str) -> str:
    """The paper's name of one of the six domains ('emodb' -> 'Emo-DB'); any other domain by its own name."""
    return CORPORA[domain].display_name if domain in CORPORA else domain


__all__ = ["CORPORA", "MANIFEST_COLUMNS", "BadAudioError", "CorpusPatternError", "CorpusRootError",
           "CorpusSpec", "CorpusTableError", "IngestResult", "PatternCorpus", "TableCorpus", "corpus_format",
           "corpus_spec", "display_name", "get_corpus", "ingest"]
