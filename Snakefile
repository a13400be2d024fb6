# Reproducible pipeline for "Learning Transferable Features for Speech Emotion Recognition"
# (Marczewski, Veloso, Ziviani, 2017). Default config: the demo on six synthetic corpora.
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


# The workflow's logic lives in the package under workflow/sertransfer (rule scripts import it too).
sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from sertransfer.config import validate_config
from sertransfer.report import front_page
from sertransfer.vocabulary import GROUPS, REPEAT_TAG_PATTERN, SCENARIOS, SET_ID_PATTERN, wildcard_alternatives

validate_config(config)


# The report's front page: the run's landing page (results/summary.rst) when the report rule makes it.
report: front_page()


wildcard_constraints:
    domain=wildcard_alternatives(config["domains"]),
    target=wildcard_alternatives(config["domains"]),
    source=wildcard_alternatives(config["domains"]),
    fold=r"\d+",
    repeat=REPEAT_TAG_PATTERN,
    pretrain_set=SET_ID_PATTERN,
    group=wildcard_alternatives(GROUPS),
    scenario=wildcard_alternatives(SCENARIOS),


include: "workflow/rules/common.smk"
include: "workflow/rules/corpora.smk"
include: "workflow/rules/features.smk"
include: "workflow/rules/folds.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/audit.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/export.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),


onsuccess:
    from sertransfer.summary import finished_run_summary

    print(finished_run_summary(Path.cwd()))
