"""Booktabs LaTeX rendering shared by every table."""

from __future__ import annotations

import math
from collections.abc import Sequence

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
