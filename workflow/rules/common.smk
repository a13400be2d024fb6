# Input functions, settings and code fingerprints shared by the rules.
# The job plan and the experiment vocabulary come from the package (sertransfer.plan, sertransfer.vocabulary).
import json
import os
from dataclasses import asdict

from sertransfer.corpora import configured_names, reading_settings
from sertransfer.fingerprint import code_fingerprint, config_digest
from sertransfer.plan import build_plan, group_predictions, plan_settings, unit_file
from sertransfer.settings import TrainingSettings
from sertransfer.vocabulary import (
    ASVM_PREDICTIONS,
    ASVM_SOURCE_VALUES,
    AUDIT_PREDICTIONS,
    AUDIT_PROTOCOL,
    AUDIT_SUMMARY,
    CACHE_INPUT,
    CARD_NAME,
    CLAIMS_CSV,
    CLAIMS_MD,
    CROSS_CORPUS_CSV,
    CROSS_SVM_PREDICTIONS,
    EXPORTED,
    EXPORT_CHOICES,
    FIGURE,
    FINETUNE_BENCHMARK,
    FINETUNE_HISTORIES,
    FINETUNE_INTERRUPTED,
    FINETUNE_LOG,
    FINETUNE_PREDICTIONS,
    FOLDS_INPUT,
    FOLDS_REPORT,
    FOLDS_TABLE,
    IS10_CACHE,
    MANIFEST,
    MANIFEST_REPORT,
    METRICS,
    METRICS_POOLED,
    METRICS_UTTERANCES,
    MODEL_NAME,
    ONNX_NAME,
    PRETRAIN_HISTORY,
    PRETRAIN_MODEL,
    PRETRAIN_PREDICTIONS,
    READY_MARKER,
    REPORT_HTML,
    SUMMARY_HTML,
    SUMMARY_RST,
    SVM_IS_PREDICTIONS,
    TABLE_CSV,
    TABLE_TEX,
    TABLE_VS_PAPER,
    TT_HISTORIES,
    TT_PREDICTIONS,
    WAVEFORM_CACHE,
    repeat_tag,
)

DOMAINS = list(config["domains"])
#: Every domain -> the dataset name its tables and figures print (corpora.<domain>.name or the default).
DATASET_NAMES = configured_names(config)
REPO = Path(workflow.basedir)
PLAN = build_plan(config)
PRETRAIN = PLAN.pretrain_by_id()
FINETUNE_BY_SET = PLAN.finetune_by_set()
#: Predictions files (or fine-tuning directories) of each experiment group: the only input of its metrics.
GROUP_PREDICTIONS = group_predictions(PLAN)
#: The approaches of Table 4 (and so the candidates of Table 5's choice): transfer.ablation_approaches, or all.
TABLE4_APPROACHES = list(config["transfer"]["ablation_approaches"] or config["transfer"]["approaches"])
#: Conda env of the training rules: TensorFlow with CUDA on `training.device: gpu`, the CPU build otherwise.
TRAIN_ENV = "../../envs/train-gpu.yaml" if config["training"]["device"] == "gpu" else "../../envs/train.yaml"
TRAIN_GPUS = 1 if config["training"]["device"] == "gpu" else 0


def corpus_settings(wildcards):
    """How the domain's corpus is read (a rule param, so editing it reruns the rule; renaming it does not)."""
    return reading_settings(config["corpora"][wildcards.domain])


def unique(items):
    """The items in first-seen order, each once."""
    return list(dict.fromkeys(items))


def repo_path(relative):
    """A file shipped with the repository, relative to the working directory.

    Relative, so that a run directory moved or copied elsewhere (with its results) stays up to date:
    absolute paths in params or inputs would change and rerun everything downstream.
    """
    return os.path.relpath(REPO / relative)


def paper_reported(table):
    """The paper's numbers for `table` (a CSV in tables.paper_reported, in the repository)."""
    return repo_path(Path(config["tables"]["paper_reported"]) / f"{table}.csv")


def manifests(wildcards=None):
    """Manifest of every configured domain, in config order."""
    return expand(MANIFEST, domain=DOMAINS)


def ingest_reports(wildcards=None):
    """Ingest report of every configured domain, in config order."""
    return expand(MANIFEST_REPORT, domain=DOMAINS)


def domain_folds(domains):
    """The folds tables of `domains`, in order."""
    return expand(FOLDS_TABLE, domain=domains)


def job_params(job):
    """A plan job as a plain dict (passed as a param, so editing the job definition reruns it)."""
    return asdict(job)


def training_settings(stage):
    """What the jobs of a training stage depend on (sertransfer.settings), as the rule's param."""
    return TrainingSettings.from_config(config, stage).as_params()


def pretrain_inputs(wildcards):
    """Waveform cache and folds of each domain a pretraining set trains or is tested on (`cache_<d>`, `folds_<d>`)."""
    job = PRETRAIN[wildcards.pretrain_set]
    return by_domain((*job.domains, *job.tests_on))


def by_domain(domains):
    """Named inputs `cache_<domain>` and `folds_<domain>` (the job script reads them back by domain)."""
    return {
        **{CACHE_INPUT.format(domain=d): WAVEFORM_CACHE.format(domain=d) for d in domains},
        **{FOLDS_INPUT.format(domain=d): FOLDS_TABLE.format(domain=d) for d in domains},
    }


#: A training job's memory request: TensorFlow's own (MB), and the utterances a domain is counted as (the
#: largest corpus kept, IEMOCAP, has ~4,000; a pooled set of several domains averages under 2,000 each).
TENSORFLOW_MB, UTTERANCES_PER_DOMAIN = 3000, 2000


def samples_mem_mb(domains, attempt):
    """Memory of a training job over `domains`: their samples (4 bytes each) twice over, plus TensorFlow; more
    on each retry."""
    utterances = UTTERANCES_PER_DOMAIN * domains
    return int(TENSORFLOW_MB + 2 * utterances * config["features"]["waveform"]["length"] * 4 / 1e6) * attempt


def pretrain_mem_mb(wildcards, attempt):
    """Memory of a pretraining job: the samples of the domains it trains on, plus TensorFlow."""
    return samples_mem_mb(len(PRETRAIN[wildcards.pretrain_set].domains), attempt)


def finetune_targets(wildcards):
    """Targets a pretrained model is fine-tuned on, in plan order."""
    return unique(job.target for job in FINETUNE_BY_SET[wildcards.pretrain_set])


def finetune_inputs(wildcards):
    """The pretrained model, and the waveform cache and folds of each target it is fine-tuned on."""
    return {
        "model": PRETRAIN_MODEL.format(pretrain_set=wildcards.pretrain_set),
        **by_domain(finetune_targets(wildcards)),
    }


def finetune_dir(kind, set_id):
    """Output directory (kind: predictions | histories) of the fine-tuning job of one pretrained model."""
    return {"predictions": FINETUNE_PREDICTIONS, "histories": FINETUNE_HISTORIES}[kind].format(pretrain_set=set_id)


def finetune_file(kind, job):
    """The file of one fine-tuning unit inside its set's output directory."""
    return str(unit_file(finetune_dir(kind, job.pretrain.set_id), job, "parquet" if kind == "predictions" else "json"))


def group_files(wildcards):
    """Predictions files of one metrics group."""
    return GROUP_PREDICTIONS[wildcards.group]


def metrics(*groups):
    """Fold-metrics tables of the given groups (those with jobs in this configuration)."""
    return [METRICS.format(group=group) for group in groups if GROUP_PREDICTIONS[group]]


def metrics_inputs(*groups):
    """Every metrics file of the given groups, named as sertransfer.tables.evidence.MetricsFiles reads them."""
    present = [group for group in groups if GROUP_PREDICTIONS[group]]
    return {
        "metrics": metrics(*present),
        "pooled": [METRICS_POOLED.format(group=group) for group in present],
        "utterances": [METRICS_UTTERANCES.format(group=group) for group in present],
    }


#: The evaluate / tables settings each kind of statistic depends on (sertransfer.tables.evidence.Statistics).
STATISTICS_KEYS = {
    "intervals": ("show_ci",),
    "bootstrap": ("resamples", "confidence", "seed"),
    "comparisons": ("test", "resamples", "confidence", "seed", "show_ci"),
    "markers": ("test", "correction", "alpha", "resamples", "confidence", "seed", "show_ci"),
    "claims": ("test", "correction", "alpha"),
}


def statistics_settings(kind):
    """The statistics settings a table or figure depends on, and nothing else (precise invalidation)."""
    evaluate, bootstrap = config["evaluate"], config["evaluate"]["bootstrap"]
    values = {
        "test": evaluate["test"],
        "correction": evaluate["correction"],
        "alpha": evaluate["alpha"],
        "resamples": bootstrap["resamples"],
        "confidence": bootstrap["confidence"],
        "seed": config["seed"],
        "show_ci": config["tables"]["show_ci"],
    }
    return {key: values[key] for key in STATISTICS_KEYS[kind]}


def cross_corpus_outputs():
    """The cross-corpus matrix and its figure, when the config asks for them (transfer.cross_corpus, 2+ domains)."""
    return [CROSS_CORPUS_CSV, FIGURE.format(name="cross_corpus")] if GROUP_PREDICTIONS["cross"] else []


def figures():
    """Every figure of the configured domains and scenarios."""
    return [
        *expand(FIGURE, name=["table3_gains", "pretrain_curves", "uar_intervals"]),
        *expand(FIGURE.format(name="table4_{scenario}"), scenario=config["transfer"]["scenarios"]),
        *expand(FIGURE.format(name="{kind}_{target}"), kind=["confusion", "learning_curves"], target=DOMAINS),
    ]


def export_inputs(wildcards):
    """Every domain's waveform cache and folds (after the export choices are made: a checkpoint)."""
    checkpoints.export_choices.get()
    return by_domain(DOMAINS)


def export_choice(wildcards):
    """The configuration chosen for one target's export (read from the export_choices checkpoint)."""
    with open(checkpoints.export_choices.get().output[0], encoding="utf-8") as handle:
        return json.load(handle)[wildcards.target]


def export_mem_mb(wildcards, attempt):
    """Memory of an export job: every domain's samples, plus TensorFlow."""
    return samples_mem_mb(len(DOMAINS), attempt)


def export_settings():
    """The config values an exported model depends on (its card records their digest)."""
    return {
        "seed": config["seed"],
        "emotions": config["emotions"],
        "domains": DOMAINS,
        "corpora": {d: reading_settings(config["corpora"][d]) for d in DOMAINS},
        "ingest": config["ingest"],
        "waveform": config["features"]["waveform"],
        "folds": config["folds"],
        "model": config["model"],
        "training": config["training"],
        "approaches": config["transfer"]["approaches"],
    }


def plan_params():
    """The config keys the job plan is built from (a param: editing them re-audits the protocol)."""
    return plan_settings(config)


def report_inputs():
    """The files shown in the report: Tables 1-5 (CSV), the paper's claims checked, every figure and the audit."""
    return [
        SUMMARY_HTML,
        *expand(TABLE_CSV, n=range(1, 6)),
        CLAIMS_CSV,
        *figures(),
        *cross_corpus_outputs(),
        AUDIT_SUMMARY,
    ]


def all_targets():
    """Targets of the all rule: features, folds, metrics, Tables 1-5, the audit, the figures and the report."""
    return [
        *expand([TABLE_CSV, TABLE_TEX, TABLE_VS_PAPER], n=1),
        *expand(WAVEFORM_CACHE, domain=DOMAINS),
        *expand(IS10_CACHE, domain=DOMAINS),
        *domain_folds(DOMAINS),
        *metrics(*GROUP_PREDICTIONS),
        *expand([TABLE_CSV, TABLE_TEX, TABLE_VS_PAPER], n=[2, 3, 4, 5]),
        CLAIMS_CSV,
        CLAIMS_MD,
        *figures(),
        *cross_corpus_outputs(),
        AUDIT_PROTOCOL,
        AUDIT_PREDICTIONS,
        *expand(EXPORTED.format(target="{target}", file=CARD_NAME), target=DOMAINS),
        SUMMARY_HTML,
        REPORT_HTML,
    ]
