# Input functions, settings and code fingerprints shared by the rules.
from sertransfer.fingerprint import code_fingerprint

DOMAINS = list(config["domains"])
REPO = Path(workflow.basedir)


def corpus_settings(wildcards):
    """The corpora.<domain> block of the config (a rule param, so editing it reruns the rule)."""
    return config["corpora"][wildcards.domain]


def repo_path(relative):
    """A file shipped with the repository (independent of the working directory)."""
    return str(REPO / relative)


def paper_reported(table):
    """The paper's numbers for `table` (tables.paper_reported, relative to the repository)."""
    return str(REPO / config["tables"]["paper_reported"] / f"{table}.csv")


def manifests(wildcards=None):
    """Manifest of every configured domain, in config order."""
    return expand("data/manifests/{domain}.parquet", domain=DOMAINS)


def ingest_reports(wildcards=None):
    """Ingest report of every configured domain, in config order."""
    return expand("data/manifests/{domain}.report.json", domain=DOMAINS)


def all_targets():
    """Targets of the all rule: Table 1, feature caches and folds of every configured domain."""
    return [
        *expand("results/tables/table1{suffix}", suffix=[".csv", ".tex", "_vs_paper.csv"]),
        *expand("data/features/{kind}/{domain}.parquet", kind=["waveform", "is10"], domain=DOMAINS),
        *expand("data/folds/{domain}.parquet", domain=DOMAINS),
    ]
