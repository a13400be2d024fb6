"""The vocabulary: experiment groups, artifact paths, corpus layouts and formats, pretraining set ids.

The one home of these names: the plan, the jobs, the baselines, the metrics, the audit, the tables, the
landing page, the config checks, the command line and the workflow's rules (wildcard constraints,
`common.smk`) import them. Names and path patterns only: what works on the plan (which files belong to
which group, `plan.group_predictions`) lives in `plan.py`. Adding an experiment group: docs/design.md §11.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

#: Experiment groups, one metrics table each (`results/metrics/<group>.csv`), and the `experiment`
#: value of their predictions rows.
POOLED = "pooled"        # Table 2's networks, trained on the pooled set of a run, on every test fold
SVM_IS = "svm_is"        # Table 2's SVM on IS10 features, same training set
TT = "tt"                # the network trained on the target only
TRANSFER = "transfer"    # fine-tuned from a pretraining set without an ablated source (Tables 3, 5; Table 4 All)
ABLATION = "ablation"    # fine-tuned from a pretraining set without one source (Table 4)
ASVM = "asvm"            # the Adaptive SVM (Table 5)
CROSS = "cross"          # trained on one whole domain, tested on every other one (the cross-corpus matrix)
GROUPS: tuple[str, ...] = (POOLED, SVM_IS, TT, TRANSFER, ABLATION, ASVM, CROSS)
#: The SVM jobs besides SVM-IS and the A-SVM: the cross-corpus SVM-IS and the A-SVM's source SVMs.
CROSS_SVM_IS, ASVM_SOURCE = "cross_svm_is", "asvm_source"
#: `experiment` of a pretrained model's own test predictions that no table reads (S1 ablation sets).
PRETRAIN = "pretrain"

#: The transfer scenarios: S1 pretrains on every domain's training folds (the target's included), S2 on the
#: other domains only (`transfer.scenarios`; the schema's enum repeats them).
S1, S2 = "S1", "S2"
SCENARIOS: tuple[str, ...] = (S1, S2)

#: Network architectures: the CNN+LSTM and Table 2's CNN.
CNN_LSTM, CNN = "cnn_lstm", "cnn"
#: The approach name of TT rows.
TT_APPROACH = "TT"

#: Where the data stages write, per domain (Snakemake wildcards in braces; a rule whose wildcard has another
#: name formats them, e.g. `IS10_CACHE.format(domain="{target}")`).
RAW_DIR = "data/raw"                                # generated corpora and downloaded archives
READY_MARKER = RAW_DIR + "/{domain}.ready.json"     # the corpus is in place (rule fetch_corpus)
MANIFEST = "data/manifests/{domain}.parquet"
MANIFEST_REPORT = "data/manifests/{domain}.report.json"
WAVEFORM_CACHE = "data/features/waveform/{domain}.parquet"
IS10_CACHE = "data/features/is10/{domain}.parquet"
FOLDS_TABLE = "data/folds/{domain}.parquet"
#: A training rule's named inputs of one domain: its waveform cache and folds table (common.smk's by_domain
#: writes them, sertransfer.jobs.domain_inputs reads them back).
CACHE_INPUT, FOLDS_INPUT = "cache_{domain}", "folds_{domain}"
FOLDS_REPORT = "data/folds/{domain}.report.json"
#: A pretrained model and its training history.
PRETRAIN_MODEL = "results/models/pretrain/{pretrain_set}.keras"
PRETRAIN_HISTORY = "results/histories/pretrain/{pretrain_set}.json"
#: An experiment group's metrics: per fold, pooled over folds, and every held-out prediction.
METRICS_DIR = "results/metrics"
METRICS = METRICS_DIR + "/{group}.csv"
METRICS_POOLED = METRICS_DIR + "/{group}_pooled.csv"
METRICS_UTTERANCES = METRICS_DIR + "/{group}_utterances.parquet"

#: Where each kind of training job writes its predictions (Snakemake wildcards in braces).
PRETRAIN_PREDICTIONS = "results/predictions/pretrain/{pretrain_set}.parquet"
FINETUNE_PREDICTIONS = "results/predictions/finetune/{pretrain_set}"   # one directory per pretrained model
FINETUNE_HISTORIES = "results/histories/finetune/{pretrain_set}"
TT_PREDICTIONS = "results/predictions/tt/{target}/fold{fold}{repeat}.parquet"   # {repeat}: repeat_tag
TT_HISTORIES = "results/histories/tt/{target}/fold{fold}{repeat}.json"
#: Where a fine-tuning job keeps its finished units until its outputs are in place (sertransfer.resume).
FINETUNE_INTERRUPTED = "results/interrupted/finetune/{pretrain_set}"
SVM_IS_PREDICTIONS = "results/predictions/svm_is/fold{fold}.parquet"
ASVM_PREDICTIONS = "results/predictions/asvm/{target}/fold{fold}.parquet"
CROSS_SVM_PREDICTIONS = "results/predictions/cross/svm_is-from-{source}.parquet"
#: The Adaptive SVM's source model for one target: its decision values on the target (rule asvm_source).
ASVM_SOURCE_VALUES = "results/baselines/asvm_source/{target}.parquet"

#: The six corpora of the paper: their keys, and the on-disk layouts this package reads and the demo
#: generates (sertransfer.corpora, sertransfer.synthetic; the config schema's `format` enum repeats them,
#: tests/test_config.py checks that it agrees).
CORPUS_LAYOUTS: tuple[str, ...] = ("afew", "emodb", "emovo", "enterface", "iemocap", "rml")
#: Corpora described instead of laid out: a CSV of files and labels, an audformat database, or labels in
#: the file names (`corpora.<key>.format`).
DESCRIBED_FORMATS: tuple[str, ...] = ("table", "audformat", "pattern")
CORPUS_FORMATS: tuple[str, ...] = CORPUS_LAYOUTS + DESCRIBED_FORMATS

#: What a run is read through: its tables, protocol audit, landing page, report and per-job benchmark files.
TABLES_DIR = "results/tables"
#: Table n (1-5) as tidy CSV (rule table<n>), in the paper's LaTeX layout, and each cell beside the paper's number.
TABLE_CSV_NAME, TABLE_TEX_NAME, TABLE_VS_PAPER_NAME = "table{n}.csv", "table{n}.tex", "table{n}_vs_paper.csv"
TABLE_CSV, TABLE_TEX, TABLE_VS_PAPER = (f"{TABLES_DIR}/{name}" for name in (TABLE_CSV_NAME, TABLE_TEX_NAME,
                                                                            TABLE_VS_PAPER_NAME))
CROSS_CORPUS_CSV = TABLES_DIR + "/cross_corpus.csv"      # trained on one domain, tested on another
CLAIMS_CSV = TABLES_DIR + "/claims.csv"   # the paper's claims checked on the run (tables.claims)
CLAIMS_MD = TABLES_DIR + "/claims.md"
FIGURES_DIR = "results/figures"
FIGURE = FIGURES_DIR + "/{name}.png"      # table3_gains, table4_<scenario>, confusion_<target>, ... (rules figure_*)
EXPORT_DIR = "results/export"
EXPORT_CHOICES = EXPORT_DIR + "/choices.json"            # each target's configuration, chosen on Table 5
#: An exported model's files, in `EXPORTED`'s folder of its target: Keras, ONNX, and the card beside them.
MODEL_NAME, ONNX_NAME, CARD_NAME = "model.keras", "model.onnx", "model_card.json"
EXPORTED = EXPORT_DIR + "/{target}/{file}"
AUDIT_PROTOCOL = "results/audit/protocol.csv"
AUDIT_SUMMARY = "results/audit/summary.csv"
AUDIT_PREDICTIONS = "results/audit/predictions.csv"
SUMMARY_HTML = "results/summary.html"     # the landing page: what the run found, standalone
SUMMARY_RST = "results/summary.rst"       # the same, as the report's front page
REPORT_HTML = "results/report.html"
BENCHMARKS_DIR = "logs/benchmarks"
HISTORIES_DIR = "results/histories"        # every training job's history JSON (it records the machine)
FINETUNE_LOG = "logs/finetune/{pretrain_set}.log"   # one fine-tuning job's log: a line as each approach is done
FINETUNE_BENCHMARK = BENCHMARKS_DIR + "/finetune/{pretrain_set}.tsv"   # its Snakemake benchmark file

#: A pretraining set id, as the `pretrain_set` wildcard matches it.
SET_ID_PATTERN = r"[a-z0-9_]+(-[a-z0-9_]+)*(\+[a-z0-9_]+)?(-k\d+)?(-r[1-9]\d*)?"
#: The `repeat` wildcard of TT files: empty for the first seed, `-r<r>` for repeat r >= 1.
REPEAT_TAG_PATTERN = r"(-r[1-9]\d*)?"
#: The network experiment groups that `repeats.experiments` may run with several seeds.
REPEATABLE = (POOLED, TT, TRANSFER, ABLATION)


def repeat_tag(repeat: int) -> str:
    """The suffix of a repeat's set ids and TT files: '' for the first seed (repeat 0), `-r<r>` after it."""
    return f"-r{repeat}" if repeat else ""


def repeat_of_tag(tag: str) -> int:
    """The repeat index back from its tag ('' -> 0, '-r2' -> 2)."""
    return int(tag[2:]) if tag else 0


def pooled_set_id(architecture: str, fold: int, repeat: int = 0) -> str:
    """`pooled-<arch>-k<k>[-r<r>]`: the training folds of run k of every domain (Table 2; S1)."""
    return f"pooled-{architecture}-k{fold}{repeat_tag(repeat)}"


def s2_set_id(target: str, repeat: int = 0) -> str:
    """`s2-<t>[-r<r>]`: every utterance of every domain but the target (S2)."""
    return f"s2-{target}{repeat_tag(repeat)}"


def s1_ablation_set_id(source: str, fold: int, repeat: int = 0) -> str:
    """`s1x<j>-k<k>[-r<r>]`: the training folds of run k of every domain but source j (Table 4, S1)."""
    return f"s1x{source}-k{fold}{repeat_tag(repeat)}"


def cross_set_id(source: str) -> str:
    """`only-<d>`: every utterance of domain d alone, tested on every other domain (the cross-corpus matrix)."""
    return f"only-{source}"


def s2_ablation_set_id(pair: Sequence[str], repeat: int = 0) -> str:
    """`s2x<a>+<b>[-r<r>]`: every utterance of every domain but a and b (Table 4, S2, for targets a and b)."""
    first, second = sorted(pair)
    return f"s2x{first}+{second}{repeat_tag(repeat)}"


def wildcard_alternatives(names: Iterable[str]) -> str:
    """A wildcard constraint matching exactly these names."""
    return "|".join(re.escape(name) for name in names)
