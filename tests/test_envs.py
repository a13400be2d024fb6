"""The conda env files pin exactly the versions of requirements.lock."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO


def lock_pins() -> dict[str, str]:
    """Package name (normalised) -> version from requirements.lock."""
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pins


@pytest.mark.parametrize("env_file", sorted((REPO / "envs").glob("*.yaml")), ids=lambda p: p.name)
def test_env_pins_match_lock(env_file):
    env = yaml.safe_load(env_file.read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pins = lock_pins()
    assert pip_section, f"{env_file.name} pins nothing"
    for requirement in pip_section:
        name, version = requirement.split("==")
        key = re.sub(r"[-_.]+", "-", re.sub(r"\[[^]]*\]$", "", name)).lower()  # extras: tensorflow[and-cuda]
        assert key in pins, f"{env_file.name}: {name} is not in requirements.lock"
        assert pins[key] == version, f"{env_file.name}: {name}=={version} but the lock has {pins[key]}"


def test_lock_pins_everything_pyproject_needs():
    text = (REPO / "pyproject.toml").read_text()
    block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    names = [re.split(r"[<>=!~ ]", item.strip().strip('",'))[0] for item in block.splitlines() if item.strip()]
    pins = lock_pins()
    missing = [n for n in names if re.sub(r"[-_.]+", "-", n).lower() not in pins]
    assert not missing, f"pyproject dependencies missing from requirements.lock: {missing}"


def test_gpu_training_env_is_the_cpu_one_with_cuda_tensorflow():
    def pip_section(name):
        env = yaml.safe_load((REPO / "envs" / name).read_text())
        rest = [d for d in env["dependencies"] if not isinstance(d, dict)]
        return rest, next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)

    cpu_rest, cpu = pip_section("train.yaml")
    gpu_rest, gpu = pip_section("train-gpu.yaml")
    assert gpu_rest == cpu_rest
    assert gpu == [r.replace("tensorflow==", "tensorflow[and-cuda]==") for r in cpu]
    assert any(r.startswith("tensorflow[and-cuda]==") for r in gpu)


#: Import name -> the pip distribution that provides it, where the two differ.
DISTRIBUTIONS = {"sklearn": "scikit-learn", "yaml": "PyYAML", "imageio_ffmpeg": "imageio-ffmpeg"}
#: Conda env keys `--software-deployment-method conda` reads.
ENV_KEYS = {"name", "channels", "dependencies"}


def rule_envs_and_scripts() -> dict[str, tuple[str, str]]:
    """rule or checkpoint -> (its `conda:` value, its `script:` path), read from workflow/rules/*.smk."""
    found = {}
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for block in re.split(r"^(?=(?:rule|checkpoint) )", smk.read_text(), flags=re.M)[1:]:
            name = block.split(":", 1)[0].split()[1]
            conda = re.search(r"^    conda:\n        (.+)$", block, re.M)
            script = re.search(r"^    script:\n        \"(.+)\"$", block, re.M)
            found[name] = (conda.group(1) if conda else "", script.group(1) if script else "")
    return found


def third_party_imports(script: Path) -> set[str]:
    """Top-level third-party modules the script and every sertransfer module it reaches import."""
    from sertransfer.fingerprint import module_closure, module_file

    def imports(source: Path) -> set[str]:
        tree = ast.parse(source.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
        return {name.split(".")[0] for name in names}

    tree = ast.parse(script.read_text())
    package = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
               and n.module.split(".")[0] == "sertransfer"}
    found = imports(script)
    for module in module_closure(*package):
        found |= imports(module_file(module))
    return {name for name in found if name not in sys.stdlib_module_names and name not in ("sertransfer", "__future__")}


def env_distributions(env: dict) -> set[str]:
    """Normalised pip distribution names an env installs."""
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {re.sub(r"[-_.]+", "-", re.sub(r"\[[^]]*\]$", "", r.split("==")[0])).lower() for r in pip}


def test_every_rule_has_a_valid_conda_env_that_provides_what_its_code_imports():
    rules = rule_envs_and_scripts()
    assert len(rules) > 30 and {"report", "finetune", "export_choices"} <= set(rules)
    for rule, (conda, script) in rules.items():
        if rule == "all":
            continue
        assert conda, f"rule {rule} has no conda: env"
        if conda == "TRAIN_ENV":   # workflow/rules/common.smk: train.yaml, or train-gpu.yaml on training.device: gpu
            env_files = [REPO / "envs" / "train.yaml", REPO / "envs" / "train-gpu.yaml"]
        else:
            env_files = [(REPO / "workflow" / "rules" / conda.strip('"')).resolve()]
        for env_file in env_files:
            assert env_file.is_file(), f"rule {rule}: conda env {conda} does not exist"
            env = yaml.safe_load(env_file.read_text())
            assert set(env) <= ENV_KEYS and isinstance(env["channels"], list), env_file.name
            plain = [d for d in env["dependencies"] if not isinstance(d, dict)]
            assert "python=3.11" in plain and "pip" in plain, env_file.name
            if not script:
                continue
            needed = {re.sub(r"[-_.]+", "-", DISTRIBUTIONS.get(m, m)).lower()
                      for m in third_party_imports(REPO / "workflow" / "rules" / script)}
            missing = needed - env_distributions(env)
            assert not missing, f"rule {rule} runs code importing {sorted(missing)}, not in {env_file.name}"
