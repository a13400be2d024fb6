"""Carry an unfinished run to another machine: save its finished outputs into a folder, restore them elsewhere.

    .venv/bin/python benchmarks/carry_run.py save /work/real5 benchmarks/results/real5/carried \
        --configfile config/paper.yaml config/real5.yaml --leave-models
    git worktree add /work/real5 <the saved commit>      # on the other machine
    .venv/bin/python benchmarks/carry_run.py restore benchmarks/results/real5/carried /work/real5 --cores 2

`save` refuses a run that is still going (stop it first); `restore` copies the outputs back, makes the data
stage again (refusing bytes that differ from the saved ones) and checks that Snakemake then plans only what
was still to do at the save (sertransfer.carry). Then resume the run with its usual command.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import common  # noqa: F401  (puts the package on the path)
from sertransfer.carry import CarryError, check_plan, check_rebuilt, rebuild, restore_outputs, save


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    saving = commands.add_parser("save", help="copy a stopped run's finished outputs into a folder")
    saving.add_argument("workdir", type=Path, help="the run's directory")
    saving.add_argument("dest", type=Path, help="the folder to write (an earlier save there is replaced)")
    saving.add_argument("--configfile", nargs="+", default=[], help="the run's config files, as it was started")
    saving.add_argument("--targets", nargs="+", default=["all"], help="the run's targets (default: all)")
    saving.add_argument("--leave-models", action="store_true",
                        help="leave behind the pretrained models that jobs still to run read, too (41 MB each at the "
                             "paper's size; their pretraining runs again after the restore): for a folder kept in git")
    restoring = commands.add_parser("restore", help="put a saved run back into a checkout of its commit")
    restoring.add_argument("carried", type=Path, help="the folder `save` wrote")
    restoring.add_argument("workdir", type=Path, help="a checkout of the saved commit")
    restoring.add_argument("--cores", type=int, default=2, help="cores for making the data stage again")
    args = parser.parse_args()
    try:
        if args.command == "save":
            record = save(args.workdir, args.dest, args.targets, args.configfile, args.leave_models)
            kinds = [e["how"] for e in record["entries"]]
            print(f"saved {kinds.count('carried')} outputs (data stage: {kinds.count('rebuilt')} files by hash) of "
                  f"{record['commit'][:12]} into {args.dest}; {len(record['pending'])} outputs still to make, "
                  f"{len(record['redone'])} to make again (models left behind and what was made from them)")
        else:
            targets = restore_outputs(args.carried, args.workdir)
            print(f"restored the outputs; making {len(targets)} data outputs again")
            rebuild(args.carried, args.workdir, args.cores)
            print(f"data stage identical to the saved one ({check_rebuilt(args.carried, args.workdir)} files)")
            pending = check_plan(args.carried, args.workdir)
            print(f"Snakemake plans {len(pending)} outputs, none of them finished at the save: resume the run")
    except CarryError as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
