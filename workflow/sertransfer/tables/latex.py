"""Booktabs LaTeX rendering shared by every table: escaping, the paper's number style, header cells."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def escape(text: object) -> str:
    """Escape LaTeX special characters in a cell."""
    return "".join(_ESCAPES.get(ch, ch) for ch in str(text))


def paper_number(value: float | None, digits: int = 3) -> str:
    """The paper's number style: `.323`, `-.095`, `1.000`; empty for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{value:.{digits}f}"
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def booktabs(header: Sequence[Sequence[str]], rows: Sequence[Sequence[str]], column_spec: str,
             caption: str, label: str, midrules_after: Sequence[int] = (), comment: str = "") -> str:
    """A complete `table` environment; cells are used verbatim (escape them before); `comment` as % lines first."""
    lines = [f"% {line}" for line in comment.splitlines()]
    lines += [r"\begin{table}[t]", r"\centering", rf"\caption{{{caption}}}", rf"\label{{{label}}}",
             rf"\begin{{tabular}}{{{column_spec}}}", r"\toprule"]
    lines += [" & ".join(row) + r" \\" for row in header]
    lines.append(r"\midrule")
    for index, row in enumerate(rows):
        lines.append(" & ".join(row) + r" \\")
        if index in midrules_after and index != len(rows) - 1:
            lines.append(r"\midrule")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def multicolumn(span: int, text: str) -> str:
    """A centred header cell spanning `span` columns."""
    return rf"\multicolumn{{{span}}}{{c}}{{{text}}}"


def cmidrules(first_column: int, spans: Sequence[int]) -> str:
    """`\\cmidrule`s under consecutive groups of `spans` columns starting at `first_column` (1-based)."""
    rules, start = [], first_column
    for span in spans:
        rules.append(rf"\cmidrule(lr){{{start}-{start + span - 1}}}")
        start += span
    return "".join(rules) + " "


def scenario_header(frame: pd.DataFrame, title: str, second: str) -> tuple[list[list[str]], list[str], dict]:
    """The three header rows shared by Tables 3 and 4: title over all columns, scenarios, approaches.

    Returns the header, the scenarios and each scenario's approaches, in the frame's order.
    """
    scenarios = list(dict.fromkeys(frame["scenario"]))
    approaches = {s: list(dict.fromkeys(frame.loc[frame["scenario"] == s, "approach"])) for s in scenarios}
    spans = [len(approaches[s]) for s in scenarios]
    width = sum(spans)
    header = [["", "" if second != "TT" else "UAR", multicolumn(width, title)],
              [cmidrules(3, [width]), "", *(multicolumn(span, s) for s, span in zip(scenarios, spans))],
              [cmidrules(3, spans) + "Target", second, *(a for s in scenarios for a in approaches[s])]]
    return header, scenarios, approaches
