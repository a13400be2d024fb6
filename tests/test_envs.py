"""The conda env files pin exactly the versions of requirements.lock."""

from __future__ import annotations

import re

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
