# Input functions, settings and code fingerprints shared by the rules.
import os
from dataclasses import asdict

from sertransfer.fingerprint import code_fingerprint
from sertransfer.plan import build_plan, unit_file

DOMAINS = list(config["domains"])
REPO = Path(workflow.basedir)
PLAN = build_plan(config)
PRETRAIN = PLAN.pretrain_by_id()
FINETUNE_BY_SET = PLAN.finetune_by_set()


def corpus_settings(wildcards):
    """The corpora.<domain> block of the config (a rule param, so editing it reruns the rule)."""
    return config["corpora"][wildcards.domain]


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
    """The paper's numbers for `table` (tables.paper_reported, in the repository)."""
    return repo_path(Path(config["tables"]["paper_reported"]) / f"{table}.csv")


def manifests(wildcards=None):
    """Manifest of every configured domain, in config order."""
    return expand("data/manifests/{domain}.parquet", domain=DOMAINS)


def ingest_reports(wildcards=None):
    """Ingest report of every configured domain, in config order."""
    return expand("data/manifests/{domain}.report.json", domain=DOMAINS)


def job_params(job):
    """A plan job as a plain dict (passed as a param, so editing the job definition reruns it)."""
    return asdict(job)


def training_settings(stage, approaches=False):
    """The config values a training stage depends on, and nothing else (precise invalidation)."""
    settings = {
        "seed": config["seed"],
        "emotions": config["emotions"],
        "model": config["model"],
        "training": {"validation_fraction": config["training"]["validation_fraction"],
                     "run_eagerly": config["training"]["run_eagerly"], stage: config["training"][stage]},
    }
    if approaches:
        settings["transfer"] = {"approaches": config["transfer"]["approaches"]}
    return settings


def pretrain_caches(wildcards):
    """Waveform caches of the domains a pretraining set trains on."""
    domains = PRETRAIN[wildcards.pretrain_set].domains
    return expand("data/features/waveform/{domain}.parquet", domain=domains)


def pretrain_folds(wildcards):
    """Folds of the domains a pretraining set trains on."""
    return expand("data/folds/{domain}.parquet", domain=PRETRAIN[wildcards.pretrain_set].domains)


def pretrain_mem_mb(wildcards, attempt):
    """Memory of a pretraining job: its samples (4 bytes each) twice over, plus TensorFlow."""
    utterances = 2000 * len(PRETRAIN[wildcards.pretrain_set].domains)
    return int(3000 + 2 * utterances * config["features"]["waveform"]["length"] * 4 / 1e6) * attempt


def finetune_targets(wildcards):
    """Targets a pretrained model is fine-tuned on, in plan order."""
    return unique(job.target for job in FINETUNE_BY_SET[wildcards.pretrain_set])


def finetune_caches(wildcards):
    """Waveform caches of the targets of a fine-tuning set job."""
    return expand("data/features/waveform/{domain}.parquet", domain=finetune_targets(wildcards))


def finetune_folds(wildcards):
    """Folds of the targets of a fine-tuning set job."""
    return expand("data/folds/{domain}.parquet", domain=finetune_targets(wildcards))


def finetune_dir(kind, set_id):
    """Output directory (kind: predictions | histories) of the fine-tuning job of one pretrained model."""
    return f"results/{kind}/finetune/{set_id}"


def finetune_outputs(kind, excluded=None):
    """Output directories of the fine-tuning set jobs.

    With `excluded` True / False only the sets whose jobs do / do not leave a source domain out
    (Table 4's ablation / Tables 3 and 5); every job of a set agrees on that.
    """
    return [finetune_dir(kind, set_id) for set_id, jobs in FINETUNE_BY_SET.items()
            if excluded is None or all(bool(job.excluded) == excluded for job in jobs)]


def finetune_file(kind, job):
    """The file of one fine-tuning unit inside its set's output directory."""
    return str(unit_file(finetune_dir(kind, job.pretrain.set_id), job, "parquet" if kind == "predictions" else "json"))


def pretrain_predictions():
    """Predictions of every pretraining job (test folds of pooled / S1 sets; empty for S2 sets)."""
    return [f"results/predictions/pretrain/{j.set_id}.parquet" for j in PLAN.pretrain]


def target_only_predictions():
    """Predictions of every TT job."""
    return [f"results/predictions/tt/{j.target}/fold{j.fold}.parquet" for j in PLAN.target_only]


#: Metrics groups: experiment group -> its predictions files (the only input of the metrics).
METRIC_GROUPS = {
    "pooled": lambda: [f"results/predictions/pretrain/{j.set_id}.parquet" for j in PLAN.pretrain
                       if j.set_id.startswith("pooled-")],
    "svm_is": lambda: expand("results/predictions/svm_is/fold{fold}.parquet", fold=range(config["folds"]["k"])),
    "tt": target_only_predictions,
    "transfer": lambda: finetune_outputs("predictions", excluded=False),
    "ablation": lambda: finetune_outputs("predictions", excluded=True),
    "asvm": lambda: expand("results/predictions/asvm/{target}/fold{fold}.parquet", target=DOMAINS,
                           fold=range(config["folds"]["k"])),
}


def group_predictions(wildcards):
    """Predictions files of one metrics group."""
    return METRIC_GROUPS[wildcards.group]()


def metrics(*groups):
    """Metrics tables of the given groups (those with jobs in this configuration)."""
    return [f"results/metrics/{group}.csv" for group in groups if METRIC_GROUPS[group]()]


def figures():
    """Every figure of the configured domains and scenarios."""
    return [
        *expand("results/figures/{name}.png", name=["table3_gains", "pretrain_curves"]),
        *expand("results/figures/table4_{scenario}.png", scenario=config["transfer"]["scenarios"]),
        *expand("results/figures/{kind}_{target}.png", kind=["confusion", "learning_curves"], target=DOMAINS),
    ]


def plan_settings():
    """The config keys the job plan is built from (a param: editing them re-audits the protocol)."""
    return {key: config[key] for key in ("domains", "folds", "transfer")}


def report_inputs():
    """The files shown in the report: Tables 1-5 (CSV), every figure and the protocol audit's summary."""
    return [*expand("results/tables/table{n}.csv", n=range(1, 6)), *figures(), "results/audit/summary.csv"]


def all_targets():
    """Targets of the all rule: features, folds, metrics, Tables 1-5, the figures and the report."""
    return [
        *expand("results/tables/table1{suffix}", suffix=[".csv", ".tex", "_vs_paper.csv"]),
        *expand("data/features/{kind}/{domain}.parquet", kind=["waveform", "is10"], domain=DOMAINS),
        *expand("data/folds/{domain}.parquet", domain=DOMAINS),
        *metrics(*METRIC_GROUPS),
        *expand("results/tables/table{n}{suffix}", n=[2, 3, 4, 5], suffix=[".csv", ".tex", "_vs_paper.csv"]),
        *figures(),
        "results/audit/protocol.csv",
        "results/report.html",
    ]
