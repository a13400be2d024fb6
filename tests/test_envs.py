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
        key = re.sub(r"[-_.]+", "-", name).lower()
        assert key in pins, f"{env_file.name}: {name} is not in requirements.lock"
        assert pins[key] == version, f"{env_file.name}: {name}=={version} but the lock has {pins[key]}"


def test_lock_pins_everything_pyproject_needs():
    text = (REPO / "pyproject.toml").read_text()
    block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    names = [re.split(r"[<>=!~ ]", item.strip().strip('",'))[0] for item in block.splitlines() if item.strip()]
    pins = lock_pins()
    missing = [n for n in names if re.sub(r"[-_.]+", "-", n).lower() not in pins]
    assert not missing, f"pyproject dependencies missing from requirements.lock: {missing}"
