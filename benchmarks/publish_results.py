"""Copy a finished run's tables, claims, audit summary and figures into benchmarks/results/<name>/, checked first.

    .venv/bin/python benchmarks/publish_results.py /work/real5 --name real5
    .venv/bin/python benchmarks/publish_results.py /work/real5s --name real5/speaker --tables 1 2 3 5

Refuses a run with an unfinished job, a table asked for that is missing, or an overlap in the protocol
audit (sertransfer.publish); writes provenance.json (the run's `git describe`, every file's sha256).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import RESULTS
from sertransfer.publish import PublishError, publish


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path, help="the run's directory (a finished worktree)")
    parser.add_argument("--name", required=True, help="destination under benchmarks/results/")
    parser.add_argument("--tables", type=int, nargs="+", default=[1, 2, 3, 4, 5],
                        help="the numbered tables the run made (default: 1 2 3 4 5)")
    args = parser.parse_args()
    try:
        written = publish(args.workdir, RESULTS / args.name, tables=args.tables)
    except PublishError as error:
        raise SystemExit(f"not published: {error}") from None
    for path in written:
        print("copied", path.relative_to(RESULTS))


if __name__ == "__main__":
    main()
