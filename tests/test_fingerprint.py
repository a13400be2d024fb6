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
