"""What a finished run found, on one page: the landing page of the report (docs/design.md §12).

Read from the run's own files: the paper's claims checked on the run (tables.claims), Tables 2, 3 and 5
next to the paper's numbers (difference and the significance marker), the protocol audit's verdict, the
run's size and cost (jobs, wall and CPU per stage from the jobs' benchmark files, the machine its
histories record) and the config's digest.
Written twice from one HTML body: `results/summary.html`, standalone with links to the files, and
`results/summary.rst`, the report's front page with links to the report's entries. Any domain list
works: domains the paper did not use show no paper number.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sertransfer import atomic, vocabulary
from sertransfer.costs import stage_costs
from sertransfer.fingerprint import config_digest
from sertransfer.tables.columns import ASVM_COLUMN, CNN_LSTM_COLUMN, TABLE2_COLUMNS, read_table_csv
from sertransfer.tables.latex import paper_number
from sertransfer.tables.table3 import SUMMARY_ROWS

#: A link to a run's file: `link(path, text)` -> HTML (a relative link, or a report entry).
Linker = Callable[[str, str], str]

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:75em}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;margin:1.4em 0 .4em}
table.f{border-collapse:collapse;font-size:.85em;margin:.3em 0}
table.f th,table.f td{border:1px solid #ccc;padding:.2em .45em;text-align:right}
table.f th{background:#f3f3f3} table.f td.name{text-align:left;font-weight:600} table.f td.text{text-align:left}
span.paper{display:block;color:#666;font-size:.8em} span.up{color:#17692f} span.down{color:#a31515}
p.verdict{font-weight:700;padding:.3em .6em;display:inline-block} p.clean{background:#e3f4e6}
p.leak{background:#fbe0e0} p.note{color:#555;font-size:.85em;margin:.2em 0}
"""


@dataclass(frozen=True)
class RunFiles:
    """Where a run's tables, audit and benchmark files are (relative to its working directory)."""

    workdir: Path

    def table(self, name: str) -> pd.DataFrame:
        """`results/tables/<name>.csv` of the run."""
        return read_table_csv(self.workdir / vocabulary.TABLES_DIR / f"{name}.csv")

    def csv(self, path: str) -> pd.DataFrame:
        """Any CSV of the run by its path."""
        return pd.read_csv(self.workdir / path)


def relative_link(base: str) -> Linker:
    """Links relative to the landing page's folder (`results/`) for the standalone page."""
    def link(path: str, text: str) -> str:
        target = Path(path).relative_to(base) if path.startswith(base + "/") else Path("..") / path
        return f'<a href="{html.escape(str(target))}">{html.escape(text)}</a>'
    return link


def report_link(path: str, text: str) -> str:
    """A link that opens the report's entry of `path` (Snakemake's report: `app.showResultInfo`)."""
    return f"<a href=\"javascript:app.showResultInfo('{html.escape(path)}')\">{html.escape(text)}</a>"


def _number(value: Any) -> str:
    """`.623` style, '—' for missing."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "—"
    return "—" if math.isnan(value) else paper_number(value)


def _difference(value: Any, reference: Any) -> str:
    """`+.041` in green or `-.120` in red; '' when either side is missing."""
    try:
        delta = float(value) - float(reference)
    except (TypeError, ValueError):
        return ""
    if math.isnan(delta):
        return ""
    text = ("+" if delta >= 0 else "") + paper_number(delta)
    return f' <span class="{"up" if delta >= 0 else "down"}">{text}</span>'


def _heat(value: float, scale: float) -> str:
    """A background colour for a signed number: green above zero, red below, stronger with |value|/scale."""
    if math.isnan(value):
        return ""
    strength = min(abs(value) / scale, 1.0)
    colour = (23, 105, 47) if value >= 0 else (163, 21, 21)
    return f' style="background:rgba({colour[0]},{colour[1]},{colour[2]},{0.08 + 0.45 * strength:.2f})"'


def _cell(value: Any, paper: Any, extra: str = "") -> str:
    """A table cell: this run's number (with its difference from the paper's) and the paper's below it."""
    paper_text = f'<span class="paper">paper {_number(paper)}</span>' if _number(paper) != "—" else ""
    return f"<td>{_number(value)}{extra}{_difference(value, paper) if paper_text else ''}{paper_text}</td>"


def _reported(frame: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(domain, column) -> the paper's number, from a `table*_vs_paper.csv`."""
    return {(row.domain, row.column): row.reported for row in frame.itertuples()}


def _display_names(table: pd.DataFrame) -> dict[str, str]:
    """domain -> the dataset name the tables print."""
    return dict(zip(table["domain"], table["dataset"], strict=False))


def _table_link(link: Linker, name: str) -> str:
    """A link to table `name`'s CSV in the run's tables folder."""
    return link(f"{vocabulary.TABLES_DIR}/{name}.csv", f"{name}.csv")


def table2_block(files: RunFiles, link: Linker) -> str:
    """Table 2 (no adaptation): each domain's SVM-IS, CNN and CNN+LSTM UAR next to the paper's."""
    table = files.table("table2")
    reported = _reported(files.table("table2_vs_paper"))
    columns = [c for c in TABLE2_COLUMNS if c in set(table["column"])]
    uar = {(row.domain, row.column): row.uar for row in table.itertuples()}
    names, domains = _display_names(table), list(dict.fromkeys(table["domain"]))
    rows = [f"<tr><td class=name>{html.escape(names[d])}</td>"
            + "".join(_cell(uar.get((d, c)), reported.get((d, c))) for c in columns) + "</tr>" for d in domains]
    means = [pd.Series([uar.get((d, c)) for d in domains], dtype=float).mean() for c in columns]
    rows.append("<tr><td class=name>Mean</td>" + "".join(f"<td>{_number(m)}</td>" for m in means) + "</tr>")
    seeds = int(table["n_seeds"].max()) if "n_seeds" in table else 1
    return (f"<h2>Table 2: UAR without domain adaptation ({_table_link(link, 'table2')})</h2>"
            f"<table class=f><tr><th>Domain</th>{''.join(f'<th>{c}</th>' for c in columns)}</tr>{''.join(rows)}"
            f"</table><p class=note>Mean test UAR over {int(table['n_folds'].max())} folds x {seeds} seed(s); "
            "below each number the paper's, beside it the difference.</p>")


def _gains(cells: Mapping[tuple[str, str], Any], domain: str, columns: Sequence[str]) -> dict[str, float]:
    """column -> relative gain over TT of `domain` (missing cells left out)."""
    return {c: float(cells[domain, c].gain) for c in columns if (domain, c) in cells}


def _scenario_summary(gains: Mapping[str, float], paper: Mapping[str, float]) -> str:
    """Two cells of one scenario: the mean gain over its approaches (heat), and its best approach; the paper's below."""
    if not gains:
        return "<td>—</td><td>—</td>"
    mean, best = sum(gains.values()) / len(gains), max(gains, key=gains.get)
    reported = {c: v for c, v in paper.items() if not math.isnan(float(v))}
    paper_mean = (f'<span class="paper">paper {_number(sum(reported.values()) / len(reported))}</span>'
                  if reported else "")
    paper_best = max(reported, key=reported.get) if reported else ""
    paper_best_text = (f'<span class="paper">paper {paper_best.split("-")[-1]} {_number(reported[paper_best])}</span>'
                       if reported else "")
    return (f"<td{_heat(mean, 0.3)}>{_number(mean)}{paper_mean}</td>"
            f"<td{_heat(gains[best], 0.3)}>{best.split('-')[-1]} {_number(gains[best])}{paper_best_text}</td>")


def table3_block(files: RunFiles, link: Linker, alpha: float, full: bool) -> str:
    """Table 3: TT's UAR and the gains over TT per scenario (mean and best approach); `full`: every cell too."""
    table = files.table("table3")
    reported = _reported(files.table("table3_vs_paper"))
    names = _display_names(table)
    summary_rows = {domain for domain, _ in SUMMARY_ROWS}
    domains = [d for d in dict.fromkeys(table["domain"]) if d not in summary_rows]
    columns = [c for c in dict.fromkeys(table["column"]) if c != vocabulary.TT_APPROACH]
    scenarios = list(dict.fromkeys(c.split("-")[0] for c in columns))
    cells = {(row.domain, row.column): row for row in table.itertuples()}
    rows = []
    for domain in domains:
        tt = cells.get((domain, vocabulary.TT_APPROACH))
        row = [f"<td class=name>{html.escape(names[domain])}</td>",
               _cell(tt.uar if tt else None, reported.get((domain, vocabulary.TT_APPROACH)))]
        for scenario in scenarios:
            mine = [c for c in columns if c.startswith(scenario + "-")]
            paper = {c: reported[domain, c] for c in mine if (domain, c) in reported}
            row.append(_scenario_summary(_gains(cells, domain, mine), paper))
        fine_tuned = [cells[domain, c] for c in columns if (domain, c) in cells]
        better = [cell for cell in fine_tuned if float(cell.gain) > 0]
        row.append(f"<td>{len(better)} of {len(fine_tuned)} "
                   f"({sum(float(cell.p_value) <= alpha for cell in better)})</td>")
        rows.append("<tr>" + "".join(row) + "</tr>")
    header = "".join(f"<th>{s} mean gain</th><th>{s} best</th>" for s in scenarios)
    summary = (f"<table class=f><tr><th>Domain</th><th>TT UAR</th>{header}<th>Beat TT (significantly)</th></tr>"
               f"{''.join(rows)}</table><p class=note>Gain: (UAR - TT) / TT, the paper's measure; mean over the "
               f"scenario's approaches, and its best approach; the paper's below. Significantly: paired test against "
               f"TT, p &le; {alpha:g} (p-values in table3.csv).</p>")
    return (f"<h2>Table 3: does transfer help? Gain over target-only training "
            f"({_table_link(link, 'table3')}, "
            f"{link(vocabulary.FIGURE.format(name='table3_gains'), 'heat map')})</h2>{summary}"
            + (table3_cells(cells, reported, names, domains, columns, alpha) if full else ""))


def table3_cells(cells: Mapping[tuple[str, str], Any], reported: Mapping[tuple[str, str], float],
                 names: Mapping[str, str], domains: Sequence[str], columns: Sequence[str], alpha: float) -> str:
    """Every cell of Table 3 as a heat map of gains, significance marked, the paper's gain below."""
    rows = []
    for domain in domains:
        row = [f"<td class=name>{html.escape(names[domain])}</td>"]
        for column in columns:
            cell = cells.get((domain, column))
            gain = float(cell.gain) if cell is not None else math.nan
            marker = "*" if cell is not None and float(cell.p_value) <= alpha else ""
            paper = reported.get((domain, column))
            paper_text = f'<span class="paper">{_number(paper)}</span>' if _number(paper) != "—" else ""
            row.append(f"<td{_heat(gain, 0.3)}>{_number(gain)}{marker}{paper_text}</td>")
        rows.append("<tr>" + "".join(row) + "</tr>")
    return (f"<table class=f><tr><th>Domain</th>{''.join(f'<th>{c}</th>' for c in columns)}</tr>{''.join(rows)}"
            f"</table><p class=note>Every cell: * p &le; {alpha:g} against TT, higher or lower.</p>")


def table5_block(files: RunFiles, link: Linker) -> str:
    """Table 5: the Adaptive SVM against the CNN+LSTM chosen on test (the paper's way) and chosen per run."""
    table = files.table("table5")
    reported = _reported(files.table("table5_vs_paper"))
    names, domains = _display_names(table), list(dict.fromkeys(table["domain"]))
    rows = []
    for domain in domains:
        mine = table[table["domain"] == domain]
        asvm = mine[mine["column"] == ASVM_COLUMN]
        chosen = {row.selection: row for row in mine[mine["selection"] != ""].itertuples()}
        on_test, nested = chosen.get("test"), chosen.get("nested")
        rows.append(
            f"<tr><td class=name>{html.escape(names[domain])}</td>"
            + _cell(asvm["uar"].iloc[0] if len(asvm) else None, reported.get((domain, ASVM_COLUMN)))
            + _cell(on_test.uar if on_test else None, reported.get((domain, CNN_LSTM_COLUMN)),
                    f" <small>{html.escape(str(on_test.configuration))}</small>" if on_test else "")
            + (f"<td>{_number(nested.uar)} <small>A-SVM</small>{_difference(nested.uar, nested.asvm_uar)}"
               f'<span class="paper">{html.escape(str(nested.chosen_per_run))}</span></td>' if nested else "<td>—</td>")
            + "</tr>")
    return (f"<h2>Table 5: the fine-tuned network against the Adaptive SVM "
            f"({_table_link(link, 'table5')})</h2><table class=f><tr><th>Domain</th>"
            "<th>Adaptive SVM</th><th>CNN+LSTM chosen on test (as the paper)</th>"
            "<th>CNN+LSTM chosen per run on its selection split</th></tr>" + "".join(rows)
            + "</table><p class=note>The last column is the honest estimate: each run chooses among the configurations "
            "on its own selection split and is scored on its test fold (beside it the difference from the A-SVM, "
            "below it every run's choice); the middle column picks on the test folds, as the paper did.</p>")


VERDICT_CLASSES = {"agrees": "up", "disagrees": "down"}


def claims_block(files: RunFiles, link: Linker) -> str:
    """The paper's claims checked on this run (rule claims): finding, the paper's side, the run's, the verdict."""
    claims = files.csv(vocabulary.CLAIMS_CSV)
    rows = "".join(f"<tr><td class=name>{html.escape(row.finding)}</td><td class=text>{html.escape(row.paper)}</td>"
                   f"<td class=text>{html.escape(row.run)}</td><td class=name>"
                   f"<span class={VERDICT_CLASSES.get(row.verdict, 'none')}>{html.escape(row.verdict)}</span></td></tr>"
                   for row in claims.itertuples())
    return (f"<h2>The paper's claims on this run ({link(vocabulary.CLAIMS_CSV, 'claims.csv')})</h2><table class=f>"
            "<tr><th>Finding</th><th>Paper (its six corpora)</th><th>This run</th><th>Verdict</th></tr>"
            + rows + "</table><p class=note>Read from the paper's tables and this run's Tables 2-5; <i>not shown</i>: "
            "the run's differences have the paper's sign on average but none is significant; <i>mixed</i>: "
            "significant both ways, or a tie; <i>not run</i>: the run has no such cells.</p>")


def audit_block(files: RunFiles, link: Linker) -> str:
    """The protocol audit's verdict: overlaps between fitted, validation, selection and test utterances."""
    summary = files.csv(vocabulary.AUDIT_SUMMARY)
    checked = files.csv(vocabulary.AUDIT_PREDICTIONS)
    overlaps, jobs = int(summary["overlaps"].sum()), int(summary["jobs"].sum())
    verdict = ("clean: no utterance of any test, selection or validation split was fitted or used for stopping by "
               "any job of its lineage" if overlaps == 0 else f"LEAK: {overlaps} overlapping utterances")
    return (f"<h2>Protocol audit ({link(vocabulary.AUDIT_SUMMARY, 'summary.csv')}, "
            f"{link(vocabulary.AUDIT_PROTOCOL, 'protocol.csv')})</h2>"
            f"<p class='verdict {'clean' if overlaps == 0 else 'leak'}'>{html.escape(verdict)}</p>"
            f"<p class=note>{jobs} jobs audited from the plan; {int(checked['rows'].sum())} prediction rows of "
            f"{len(checked)} files checked against their jobs' planned splits.</p>")


def machine_of(workdir: Path) -> str:
    """The machines the run's training histories record (CPU, ISA, TensorFlow, threads), or 'not recorded'."""
    machines = set()
    for path in sorted((workdir / vocabulary.HISTORIES_DIR).rglob("*.json")):
        machine = json.loads(path.read_text()).get("machine")
        if machine:
            machines.add(f"{machine.get('cpu', '?')}, TensorFlow {machine.get('tensorflow', '?')}, "
                         f"{machine.get('threads', '?')} thread(s) per job")
    return "; ".join(sorted(machines)) or "not recorded"


def cost_block(files: RunFiles) -> str:
    """The run's size (utterances per domain) and cost (jobs, wall and CPU time per stage)."""
    table1 = files.table("table1")
    sizes = ", ".join(f"{row.dataset} {int(row.used)}" for row in table1.itertuples())
    costs = stage_costs(files.workdir)
    rows = "".join(f"<tr><td class=name>{html.escape(c['rule'])}</td><td>{c['jobs']}</td>"
                   f"<td>{c['wall_s'] / 60:.1f}</td><td>{c['cpu_s'] / 60:.1f}</td></tr>" for c in costs)
    table = (f"<table class=f><tr><th>Stage</th><th>Jobs</th><th>Wall (min, summed over jobs)</th><th>CPU (min)</th>"
             f"</tr>{rows}</table><p class=note>Stages whose jobs write a benchmark file (logs/benchmarks); jobs "
             "that ran side by side overlap in wall time.</p>"
             if costs else "<p class=note>No benchmark files (logs/benchmarks) in this run.</p>")
    return (f"<h2>Size and cost</h2><p class=note>Utterances used: {html.escape(sizes)} "
            f"(total {int(table1['used'].sum())}). Machine: {html.escape(machine_of(files.workdir))}.</p>{table}")


def config_block(config: Mapping[str, Any], code: str) -> str:
    """The config's digest and the settings that size the run."""
    training, transfer, waveform = config["training"], config["transfer"], config["features"]["waveform"]
    repeats = config.get("repeats", {}).get("count", 1)
    facts = {
        "domains": ", ".join(config["domains"]),
        "folds": f"{config['folds']['k']} ({config['folds']['strategy']})",
        "seeds": f"{repeats} (of {', '.join(config.get('repeats', {}).get('experiments', [])) or 'nothing'})"
                 if repeats > 1 else "1",
        "input": f"{waveform['length']} samples at {waveform['sample_rate']} Hz",
        "network": ", ".join(f"{k} {v}" for k, v in config["model"].items() if not isinstance(v, Mapping))
                   + f"; conv1 {config['model']['conv1']['filters']} filters",
        "epochs (pretrain / finetune / TT)": " / ".join(str(training[s]["max_epochs"])
                                                        for s in ("pretrain", "finetune", "target_only")),
        "selection fraction": str(training["selection_fraction"]),
        "scenarios x approaches": f"{', '.join(transfer['scenarios'])} x {', '.join(transfer['approaches'])}",
        "config sha256": config_digest(config)[:16], "code": code,
    }
    rows = "".join(f"<tr><td class=name>{html.escape(k)}</td><td style='text-align:left'>{html.escape(str(v))}</td>"
                   f"</tr>" for k, v in facts.items())
    return f"<h2>Config</h2><table class=f>{rows}</table>"


def findings_body(workdir: Path, config: Mapping[str, Any], code: str, link: Linker, full: bool = True) -> str:
    """The landing page's HTML body (no <html> wrapper); `full`: with every cell of Table 3 (too wide for the
    report's front page, which links the full page instead)."""
    files = RunFiles(Path(workdir))
    names = ", ".join(_display_names(files.table("table2")).values())
    return (f"<h1>What this run found</h1><p class=note>{len(config['domains'])} domains: {html.escape(names)}. "
            "Every number below is computed from the run's predictions files; each heading links to its details.</p>"
            + claims_block(files, link) + table2_block(files, link)
            + table3_block(files, link, float(config["evaluate"]["alpha"]), full)
            + table5_block(files, link) + audit_block(files, link) + cost_block(files) + config_block(config, code))


def write_findings(workdir: Path, config: Mapping[str, Any], code: str, html_path: Path, rst_path: Path) -> None:
    """The standalone landing page (`html_path`) and the report's front page (`rst_path`), atomically."""
    folder = Path(os.path.relpath(Path(html_path).resolve().parent, Path(workdir).resolve())).as_posix()
    page = findings_body(workdir, config, code, relative_link(folder))
    atomic.write_text(html_path, f"<!doctype html><html><head><meta charset=utf-8><title>What this run found</title>"
                                 f"<style>{STYLE}</style></head><body>{page}</body></html>\n")
    front = (f"<p>{report_link(vocabulary.SUMMARY_HTML, 'The full landing page')} adds every cell of Table 3.</p>"
             + findings_body(workdir, config, code, report_link, full=False))
    # the report renders its front page with Jinja before docutils: the HTML goes through untouched
    lines = re.sub(r"(</(?:tr|table|h1|h2|p)>)", "\\1\n", f"<style>{STYLE}</style>{front}")   # docutils' line limit
    content = "\n".join("    " + line for line in lines.splitlines())
    atomic.write_text(rst_path, f".. raw:: html\n\n{{% raw %}}\n{content}\n{{% endraw %}}\n")
