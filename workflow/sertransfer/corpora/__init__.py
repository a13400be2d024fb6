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
        return TableCorpus(domain, dataset_name(domain, corpus), table=corpus.get("table") or "files.csv",
                           label_map=corpus.get("label_map") or {})
    if kind == "pattern":
        pattern = corpus["pattern"]
        return PatternCorpus(domain, dataset_name(domain, corpus), pattern["glob"], pattern["regex"],
                             corpus.get("label_map") or {}, pattern.get("gender_map") or {})
    if kind == "audformat":
        return TableCorpus(domain, dataset_name(domain, corpus), label_map=corpus.get("label_map") or {},
                           audformat=corpus["audformat"])
    return get_corpus(kind)


def dataset_name(domain: str, corpus: Mapping | None = None) -> str:
    """How tables and figures name a domain: `corpora.<domain>.name`, else the paper's name of one of its six
    corpora ('emodb' -> 'Emo-DB'), else the domain's own key."""
    if corpus and corpus.get("name"):
        return str(corpus["name"])
    return CORPORA[domain].display_name if domain in CORPORA else domain


def reading_settings(corpus: Mapping) -> dict:
    """What says how a corpus is read: its `corpora.<domain>` block less `name` (a label, never a reason to rerun)."""
    return {key: value for key, value in corpus.items() if key != "name"}


def configured_names(config: Mapping) -> dict[str, str]:
    """Every configured domain (in `domains` order) -> its dataset name; two domains may not share a name."""
    names = {domain: dataset_name(domain, config["corpora"].get(domain)) for domain in config["domains"]}
    seen: dict[str, str] = {}
    for domain, name in names.items():
        if name.lower() in seen:
            raise ValueError(f"corpora.{seen[name.lower()]} and corpora.{domain} are both named {name!r} in the "
                             "tables: give each dataset its own corpora.<domain>.name")
        seen[name.lower()] = domain
    return names


__all__ = ["CORPORA", "MANIFEST_COLUMNS", "BadAudioError", "CorpusPatternError", "CorpusRootError",
           "CorpusSpec", "CorpusTableError", "IngestResult", "PatternCorpus", "TableCorpus", "corpus_format",
           "configured_names", "corpus_spec", "dataset_name", "get_corpus", "ingest", "reading_settings"]
