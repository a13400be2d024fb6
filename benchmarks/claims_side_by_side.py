"""The paper's claims as several runs read them, in one table (the closing table of a study).

    .venv/bin/python benchmarks/claims_side_by_side.py real5=stratified real5/speaker=speaker-independent \
        --out real5/claims_side_by_side

Each argument is `<directory under benchmarks/results>=<column label>`, a directory holding a run's
`claims.csv` (rule `claims`, published by benchmarks/publish_results.py); the first run's paper side is
the table's. Writes `<out>.csv` and `<out>.md` under benchmarks/results.
"""

from __future__ import annotations

import argparse

import pandas as pd

from common import RESULTS
from sertransfer.tables.claims import render_side_by_side, side_by_side


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="<directory under benchmarks/results>=<label>")
    parser.add_argument("--out", required=True, help="output name under benchmarks/results (no suffix)")
    args = parser.parse_args()
    runs = {}
    for spec in args.runs:
        directory, _, label = spec.partition("=")
        path = RESULTS / directory / "claims.csv"
        if not path.is_file():
            raise SystemExit(f"{path} is missing: publish the run first (benchmarks/publish_results.py)")
        runs[label or directory] = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = side_by_side(runs)
    table.to_csv(RESULTS / f"{args.out}.csv", index=False)
    (RESULTS / f"{args.out}.md").write_text(render_side_by_side(table))
    print(render_side_by_side(table))


if __name__ == "__main__":
    main()
