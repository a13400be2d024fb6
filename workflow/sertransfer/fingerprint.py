"""Code and config fingerprints: digests of the package modules a rule executes (rerun triggers,
docs/design.md §17) and of a run's configuration."""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
from collections.abc import Mapping
from functools import cache
from pathlib import Path

PACKAGE = "sertransfer"
PACKAGE_DIR = Path(__file__).resolve().parent


def module_file(module: str) -> Path | None:
    """Source file of a `sertransfer.*` module or package, None if there is none."""
    parts = module.split(".")[1:]
    base = PACKAGE_DIR.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(module: str, source: Path) -> set[str]:
    """The `sertransfer.*` modules imported by one source file (absolute and relative imports)."""
    found: set[str] = set()
    package = module if source.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.split(".")[0] != PACKAGE:
                continue
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)
    return {name for name in found if module_file(name) is not None}


@cache
def module_closure(*modules: str) -> tuple[str, ...]:
    """All `sertransfer.*` modules reachable by imports from `modules` (including parent packages)."""
    pending, seen = list(modules), set()
    while pending:
        module = pending.pop()
        if module in seen or module_file(module) is None:
            continue
        seen.add(module)
        parts = module.split(".")
        pending.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        pending.extend(_imports(module, module_file(module)))
    return tuple(sorted(seen))


#: Nodes whose first statement may be a docstring.
_DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


@cache
def source_code(source: Path) -> bytes:
    """What a module's fingerprint covers: its syntax tree without docstrings, so that comments, docstrings and
    layout change nothing, while any statement, name or literal (a log message included) does. Read once per
    process (a Snakemake run plans with the code it started with)."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, _DOCUMENTED) and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str):
            node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree).encode()


def code_fingerprint(*modules: str) -> str:
    """sha256 over the code of `modules` and everything they import from the package (`source_code` of each)."""
    digest = hashlib.sha256()
    for module in module_closure(*modules):
        digest.update(module.encode() + b"\0" + source_code(module_file(module)) + b"\0")
    return digest.hexdigest()[:16]


def config_digest(config: Mapping) -> str:
    """sha256 of the configuration as canonical JSON (model cards and the landing page name a run's config by it)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def code_version(repository: Path | None = None) -> str:
    """`git describe` of the checkout when there is one, and the package's code fingerprint."""
    fingerprint = code_fingerprint("sertransfer.export")[:16]   # the package's modules the export runs
    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=repository, capture_output=True,
                                   text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = "not a git checkout"
    return f"{described} (code {fingerprint})"
