"""The Snakemake workflow catalog's conventions: the catalog file, snakefmt's format, every config key documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import REPO


def test_catalog_file_declares_conda_deployment_and_the_report():
    catalog = yaml.safe_load((REPO / ".snakemake-workflow-catalog.yml").read_text())
    usage = catalog["usage"]
    assert usage["software-stack-deployment"]["conda"] is True and usage["report"] is True
    assert "--cores" in usage["mandatory-flags"]["flags"] and "config/paper.yaml" in usage["mandatory-flags"]["desc"]


def test_workflow_files_are_formatted_with_snakefmt():
    snakefmt = Path(sys.executable).with_name("snakefmt")
    checked = subprocess.run([str(snakefmt), "--check", "Snakefile", "workflow/rules"], cwd=REPO,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr[-2000:] + "\nrun: .venv/bin/snakefmt Snakefile workflow/rules"


def documented_keys(readme: str) -> set[str]:
    """Key paths of config/README.md's table rows; `a.{b,c}.d` stands for a.b.d and a.c.d."""
    def expand(row: str) -> list[str]:
        found = re.match(r"(.*?)\{([^}]+)\}(.*)", row)
        if not found:
            return [row]
        return [key for option in found.group(2).split(",") for key in expand(found.group(1) + option + found.group(3))]

    return {key for row in re.findall(r"^\| `([^`]+)`", readme, re.M) for key in expand(row)}


def schema_keys(properties: dict, prefix: str = "") -> list[str]:
    """Every key path of the config schema (objects' properties, recursively)."""
    keys = []
    for name, spec in properties.items():
        keys.append(prefix + name)
        if isinstance(spec, dict) and "properties" in spec:
            keys += schema_keys(spec["properties"], f"{prefix}{name}.")
    return keys


def test_config_readme_documents_every_key_of_the_schema():
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    documented = documented_keys((REPO / "config" / "README.md").read_text())
    missing = [key for key in schema_keys(schema["properties"])
               if key not in documented and not any(d.startswith(key + ".") for d in documented)]
    assert not missing, f"config/README.md has no row for {missing}"
