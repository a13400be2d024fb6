"""Code fingerprints (docs/design.md §17): what in a module's source reruns the rules that execute it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sertransfer.fingerprint import code_fingerprint, module_closure, source_code

MODULE = '''"""A module."""

import logging

log = logging.getLogger(__name__)
LIMIT = 3   # the largest count


def count(values: list[int]) -> int:
    """How many values are below LIMIT."""
    log.info("counting %d values", len(values))
    return sum(1 for v in values if v < LIMIT)


class Counter:
    """Counts."""

    def total(self, values: list[int]) -> int:
        """The sum."""

        def inner(v: int) -> int:
            """One value."""
            return v

        return sum(inner(v) for v in values)


async def fetch() -> str:
    """Fetches."""
    "a bare string after the docstring is a statement"
    return "done"
'''


def written(tmp_path: Path, name: str, text: str) -> Path:
    """`text` as a new module file (a new path each time: `source_code` reads a path once per process)."""
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return path


@pytest.mark.parametrize("edit", [
    lambda s: s.replace("# the largest count", "# the largest count we keep"),          # a comment
    lambda s: s.replace('"""How many values are below LIMIT."""', '"""Values under LIMIT."""'),   # a docstring
    lambda s: s.replace('"""A module."""\n', ""),                                          # the module's docstring
    lambda s: s.replace("return sum(1 for v in values if v < LIMIT)",
                        "return sum(\n        1 for v in values\n        if v < LIMIT\n    )"),  # layout
    lambda s: s + "\n\n# the end\n",
    lambda s: s.replace('"""Counts."""', '"""Counts things."""'),                       # a class docstring
    lambda s: s.replace('"""The sum."""', '"""Adds."""'),                               # a method docstring
    lambda s: s.replace('"""One value."""', '"""The value."""'),                        # a nested function's
    lambda s: s.replace('"""Fetches."""', '"""Gets."""'),                               # an async function's
])
def test_comments_docstrings_and_layout_change_nothing(tmp_path, edit):
    assert source_code(written(tmp_path, "edited", edit(MODULE))) == source_code(written(tmp_path, "original", MODULE))


@pytest.mark.parametrize("edit", [
    lambda s: s.replace("LIMIT = 3", "LIMIT = 4"),                                       # a constant
    lambda s: s.replace("v < LIMIT", "v <= LIMIT"),                                     # an operator
    lambda s: s.replace('"counting %d values"', '"counted %d values"'),                 # a log message
    lambda s: s.replace("def count(values", "def counted(values"),                      # a name
    lambda s: s + "\nEXTRA = 1\n",                                                      # a statement
    lambda s: s.replace("a bare string after", "another string after"),               # a string that is no docstring
    lambda s: s.replace("values: list[int]) -> int:", "values: list[float]) -> int:", 1),  # an annotation
])
def test_any_statement_name_or_literal_changes_the_code(tmp_path, edit):
    assert source_code(written(tmp_path, "edited", edit(MODULE))) != source_code(written(tmp_path, "original", MODULE))


def test_a_rule_fingerprint_covers_the_modules_it_imports():
    assert "sertransfer.training" in module_closure("sertransfer.jobs")
    assert "sertransfer.jobs" not in module_closure("sertransfer.tables.table2")
    assert code_fingerprint("sertransfer.jobs") != code_fingerprint("sertransfer.tables.table2")
    assert len(code_fingerprint("sertransfer.jobs")) == 16


#: Modules a rule's script imports that only route its log lines: an edit to them changes no output.
LOG_ONLY = {"sertransfer.rulelog"}


def test_every_rule_fingerprints_the_package_modules_its_script_imports():
    """A rule's `code=code_fingerprint(...)` param must reach every `sertransfer` module its script imports, or an
    edit to that module would not rerun the rule."""
    import ast
    import re

    from conftest import REPO
    from sertransfer.fingerprint import module_file

    checked = {}
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for block in re.split(r"^(?=(?:rule|checkpoint) )", smk.read_text(), flags=re.M)[1:]:
            fingerprinted = re.search(r"code=code_fingerprint\(([^)]*)\)", block)
            script = re.search(r"^    script:\n        \"(.+)\"$", block, re.M)
            if fingerprinted and script:
                checked[block.split(":", 1)[0].split()[1]] = (ast.literal_eval(f"({fingerprinted.group(1)},)"),
                                                              REPO / "workflow" / "rules" / script.group(1))
    assert {"export_choices", "finetune", "table5"} <= set(checked)
    for rule, (modules, script) in checked.items():
        imported = set()
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sertransfer"):
                names = [f"{node.module}.{a.name}" for a in node.names]
                imported |= {n for n in names if module_file(n)} or {node.module}
        missing = imported - set(module_closure(*modules)) - LOG_ONLY
        assert not missing, f"rule {rule}: its script imports {sorted(missing)}, which code_fingerprint{modules} misses"
