"""Carry an unfinished run to another machine: its finished outputs saved into a folder, restored elsewhere.

A study that takes more hours than a machine is held (a laptop closed, a cluster's time limit, a
workplace that hands out a fresh machine each sitting) resumes only where its finished outputs are.
`save` copies them out of a stopped run's directory: every output under `results/` and `logs/` with
its Snakemake record (`.snakemake/metadata`) and modification time, Snakemake's own logs, and, for the
data stage (`data/`: manifests, feature caches, folds; deterministic, cheap beside training and large),
only each file's sha256 and time. Pretrained models whose fine-tuning has finished are left out (no
job still to run reads them, and Snakemake does not make a missing intermediate again when what it
fed is done). `restore` copies the outputs back with their times, has Snakemake make the data stage
again, refuses a data file whose bytes differ from the saved one's, gives each its saved time, and
then checks that Snakemake plans nothing that was finished when the run was saved.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .atomic import atomic_directory, write_text
from .download import sha256_file
from .vocabulary import PRETRAIN_MODEL

#: The folder's record of what it holds (`save` writes it last, so a folder without it is not a carried run).
CARRY_RECORD = "carry.json"
#: Where the folder keeps the copied outputs, their Snakemake records and Snakemake's own logs.
FILES, METADATA, SNAKEMAKE_LOGS = "files", "metadata", "snakemake-log"
#: Top folders of a run whose outputs are copied, and the one whose outputs are made again at restore.
CARRIED_DIRS: tuple[str, ...] = ("results", "logs")
REBUILT_DIR = "data"
#: Outputs left behind once every job that reads them has finished (glob patterns of run-relative paths).
DROPPABLE: tuple[str, ...] = (PRETRAIN_MODEL.format(pretrain_set="*"),)
#: A planned job's inputs as `snakemake -n` prints them.
_INPUT_LINE = re.compile(r"^\s+input: (.+)$")
#: Temporaries of an atomic write in progress (sertransfer.atomic), never copied.
PARTIAL_MARK = ".partial-"


class CarryError(RuntimeError):
    """A run cannot be saved or restored as it is; the message names the file or the step and what to do."""


@dataclass(frozen=True)
class Entry:
    """One file of the run: its path in the run, how it travels ('carried' or 'rebuilt'), bytes, hash, time."""

    path: str
    how: str
    size: int
    sha256: str
    mtime: float


def _encode(path: str) -> str:
    """Snakemake's name of an output's record in `.snakemake/metadata` (base64 of the run-relative path)."""
    return base64.b64encode(path.encode()).decode()


def _decode(name: str) -> str | None:
    """The output path a record name stands for (None for a name that is not one)."""
    try:
        return base64.b64decode(name.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def _git_head(workdir: Path) -> str:
    """The commit checked out in the run's directory (CarryError when it is not a git checkout)."""
    result = subprocess.run(["git", "-C", str(workdir), "rev-parse", "HEAD"], capture_output=True, text=True)
    if result.returncode:
        raise CarryError(f"{workdir} is not a git checkout: a carried run records the commit that ran it")
    return result.stdout.strip()


def _tracked(workdir: Path) -> set[str]:
    """Files git tracks in the run's directory (READMEs under results/ and data/ are not outputs)."""
    result = subprocess.run(["git", "-C", str(workdir), "ls-files", "-z"], capture_output=True, text=True, check=True)
    return {name for name in result.stdout.split("\0") if name}


def snakemake_records(workdir: Path) -> dict[str, dict]:
    """Snakemake's record of every output it made in the run, by run-relative path."""
    records = {}
    folder = workdir / ".snakemake" / "metadata"
    for file in sorted(folder.iterdir()) if folder.is_dir() else []:
        path = _decode(file.name)
        if path is not None:
            records[path] = json.loads(file.read_text(encoding="utf-8"))
    return records


def _incomplete(workdir: Path) -> list[str]:
    """Outputs of jobs that started and did not finish (Snakemake's `.snakemake/incomplete` markers)."""
    folder = workdir / ".snakemake" / "incomplete"
    return sorted(p for p in (_decode(f.name) for f in folder.iterdir()) if p) if folder.is_dir() else []


def _under(path: str, roots: Iterable[str]) -> bool:
    """Whether a run-relative path is one of `roots` or inside one."""
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _some(paths: Sequence[str], shown: int = 6) -> str:
    """The first few of a list of paths, for an error message."""
    return ", ".join(paths[:shown]) + (f", ... ({len(paths) - shown} more)" if len(paths) > shown else "")


def _walk(workdir: Path, top: str) -> list[str]:
    """Run-relative paths of the files under one top folder, sorted."""
    root = workdir / top
    return sorted(str(p.relative_to(workdir)) for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def _entry(workdir: Path, path: str, how: str) -> Entry:
    """A file's entry as it is now."""
    stat = (workdir / path).stat()
    return Entry(path, how, stat.st_size, sha256_file(workdir / path), stat.st_mtime)


def dropped_models(paths: Iterable[str], needed: set[str], leave_models: bool = False) -> set[str]:
    """The droppable outputs among `paths` that no job still to run reads (with `leave_models`: all of them)."""
    return {p for p in paths if any(fnmatch.fnmatchcase(p, pattern) for pattern in DROPPABLE)
            and (leave_models or p not in needed)}


def redone_outputs(left: set[str], records: dict[str, dict]) -> set[str]:
    """What Snakemake will make again when the files `left` are needed but not there: every output of the jobs
    that made them, and every recorded output made from those, transitively (from Snakemake's records)."""
    jobs = {(records[p]["rule"], records[p].get("job_hash")) for p in left if p in records}
    redone = {p for p, r in records.items() if (r["rule"], r.get("job_hash")) in jobs} | set(left)
    while True:
        more = {p for p, r in records.items() if p not in redone and redone.intersection(r.get("input") or ())}
        if not more:
            return redone
        redone |= more


def _check_stopped(workdir: Path) -> None:
    """Refuse a run that Snakemake still holds (its outputs may be half-way)."""
    locks = workdir / ".snakemake" / "locks"
    if locks.is_dir() and any(locks.iterdir()):
        raise CarryError(f"{locks} holds a lock: stop the Snakemake run in {workdir} first (a lock left by a killed "
                         "run goes with `snakemake --unlock`)")


def plan_entries(workdir: Path, needed: set[str], leave_models: bool = False) -> tuple[list[Entry], set[str]]:
    """What a save of this (stopped) run holds (carried outputs, the data stage's files to make again), and what
    the resumed run will make again because a model that a job still to run reads was left behind.

    `needed`: the files that jobs still to run read (`pending_inputs`); droppable outputs outside it stay behind,
    and with `leave_models` the others too, with what made them and what was made from that.
    """
    workdir = Path(workdir)
    _check_stopped(workdir)
    tracked, incomplete, records = _tracked(workdir), _incomplete(workdir), snakemake_records(workdir)
    carried = [p for top in CARRIED_DIRS for p in _walk(workdir, top)
               if p not in tracked and PARTIAL_MARK not in p and not _under(p, incomplete)]
    dropped = dropped_models(carried, needed, leave_models)
    redone = redone_outputs(dropped & needed, records) if dropped & needed else set()
    entries = [_entry(workdir, p, "carried") for p in carried if p not in dropped and not _under(p, redone)]
    entries += [_entry(workdir, p, "rebuilt") for p in _walk(workdir, REBUILT_DIR)
                if p not in tracked and PARTIAL_MARK not in p and not _under(p, incomplete)]
    return entries, redone


def snakemake_command(targets: Sequence[str], configfiles: Sequence[str]) -> list[str]:
    """The Snakemake command line of a run: the Snakemake beside this Python, the targets, the config files."""
    beside = Path(sys.executable).parent / "snakemake"
    program = str(beside) if beside.is_file() else (shutil.which("snakemake") or "snakemake")
    return [program, *targets, *(["--configfile", *configfiles] if configfiles else [])]


def _environment() -> dict[str, str]:
    """The environment of a Snakemake started from here: this Python's folder first on PATH (the rules' scripts)."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def _snakemake_output(workdir: Path, command: list[str]) -> str:
    """What a Snakemake command printed (stdout and stderr); CarryError with its end when it failed."""
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, env=_environment())
    if result.returncode:
        raise CarryError(f"`{' '.join(command)}` failed in {workdir}:\n{result.stderr[-2000:]}")
    return result.stdout + "\n" + result.stderr


def pending_inputs(workdir: Path, targets: Sequence[str], configfiles: Sequence[str]) -> set[str]:
    """The files that jobs still to run read: the `input:` lines of each job `snakemake -n` plans."""
    printed = _snakemake_output(workdir, [*snakemake_command(targets, configfiles), "-n", "--nolock"])
    return {name for line in printed.splitlines() if (found := _INPUT_LINE.match(line))
            for name in found.group(1).split(", ")}


def pending_outputs(workdir: Path, targets: Sequence[str], configfiles: Sequence[str]) -> list[str]:
    """Outputs Snakemake would make (again) in the run: `snakemake --summary`'s 'update pending' rows."""
    command = [*snakemake_command(targets, configfiles), "--summary", "--nolock"]
    lines = [line.split("\t") for line in _snakemake_output(workdir, command).splitlines()]
    header = next((i for i, row in enumerate(lines) if row[:1] == ["output_file"]), None)
    if header is None:
        raise CarryError(f"`{' '.join(command)}` printed no summary table in {workdir}")
    columns = lines[header]
    return sorted(row[0] for row in lines[header + 1:]
                  if len(row) == len(columns) and row[columns.index("plan")] == "update pending")


def save(workdir: Path, dest: Path, targets: Sequence[str], configfiles: Sequence[str],
         leave_models: bool = False) -> dict:
    """Copy a stopped run's finished outputs into `dest`; the record written.

    An earlier save in `dest` is replaced only once the new one is complete. `leave_models`: leave behind also
    the pretrained models that a job still to run reads (41 MB each at the paper's size: for a folder kept in
    git); their pretraining jobs run again after the restore.
    """
    workdir, dest = Path(workdir).resolve(), Path(dest)
    _check_stopped(workdir)
    entries, redone = plan_entries(workdir, pending_inputs(workdir, targets, configfiles), leave_models)
    pending = pending_outputs(workdir, targets, configfiles)
    kept = {e.path for e in entries if e.how == "carried"}
    records = snakemake_records(workdir)
    carried_records = {path: r for path, r in records.items() if path in kept or any(_under(k, [path]) for k in kept)}
    record = {"commit": _git_head(workdir), "workdir": str(workdir), "saved": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
              "targets": list(targets), "configfiles": list(configfiles), "pending": pending,
              "redone": sorted(redone),
              "rebuild": sorted(p for p in records if _under(p, [REBUILT_DIR]) and (workdir / p).exists()),
              "read": sorted({name for r in carried_records.values() for name in r.get("input") or ()
                              if _under(name, [REBUILT_DIR])}),
              "entries": [asdict(e) for e in entries]}
    staging = dest.with_name(f".{dest.name}.saving")
    shutil.rmtree(staging, ignore_errors=True)
    with atomic_directory(staging) as folder:
        for path in sorted(kept):
            (folder / FILES / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(workdir / path, folder / FILES / path)
        (folder / METADATA).mkdir()
        for path, output_record in carried_records.items():
            write_text(folder / METADATA / _encode(path), json.dumps(output_record, indent=1, sort_keys=True) + "\n")
        (folder / SNAKEMAKE_LOGS).mkdir()
        for log in sorted((workdir / ".snakemake" / "log").glob("*.snakemake.log")):
            shutil.copy2(log, folder / SNAKEMAKE_LOGS / log.name)
        write_text(folder / CARRY_RECORD, json.dumps(record, indent=1) + "\n")
    if dest.exists():
        replaced = dest.with_name(f".{dest.name}.replaced")
        shutil.rmtree(replaced, ignore_errors=True)
        os.rename(dest, replaced)
        os.rename(staging, dest)
        shutil.rmtree(replaced)
    else:
        os.rename(staging, dest)
    return record


def read_record(carried: Path) -> dict:
    """A saved run's record (CarryError naming the folder when it is not one)."""
    path = Path(carried) / CARRY_RECORD
    if not path.is_file():
        raise CarryError(f"{path} is missing: {carried} is not a saved run (or its save did not finish)")
    return json.loads(path.read_text(encoding="utf-8"))


def _date_checkout(workdir: Path) -> None:
    """Give the checkout's tracked files the time of their commit: a fresh checkout's files are newer than every
    restored output, and Snakemake reruns a script rule whose script is newer than its outputs."""
    committed = float(subprocess.run(["git", "-C", str(workdir), "log", "-1", "--format=%ct"], capture_output=True,
                                     text=True, check=True).stdout.strip())
    for name in _tracked(workdir):
        if (workdir / name).is_file() and not (workdir / name).is_symlink():
            os.utime(workdir / name, (committed, committed))


def restore_outputs(carried: Path, workdir: Path) -> list[str]:
    """Copy a saved run's outputs, records and logs into `workdir` with their times; the data outputs to make again.

    The run's directory must be a checkout of the saved commit; a file already there must be the saved one.
    """
    carried, workdir = Path(carried), Path(workdir).resolve()
    record = read_record(carried)
    head = _git_head(workdir)
    if head != record["commit"]:
        raise CarryError(f"{workdir} is at {head[:12]}, the run was saved at {record['commit'][:12]}: "
                         f"`git -C {workdir} checkout {record['commit']}` first")
    _date_checkout(workdir)
    entries = [Entry(**e) for e in record["entries"]]
    clashes = [e.path for e in entries if e.how == "carried" and (workdir / e.path).exists()
               and sha256_file(workdir / e.path) != e.sha256]
    if clashes:
        raise CarryError(f"{workdir} already has other versions of {len(clashes)} saved outputs ({_some(clashes)}): "
                         "restore into a fresh checkout")
    for entry in entries:
        if entry.how == "carried":
            target = workdir / entry.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(carried / FILES / entry.path, target)
            os.utime(target, (entry.mtime, entry.mtime))
    for folder, into in ((METADATA, "metadata"), (SNAKEMAKE_LOGS, "log")):
        (workdir / ".snakemake" / into).mkdir(parents=True, exist_ok=True)
        for file in sorted((carried / folder).iterdir()):
            shutil.copy2(file, workdir / ".snakemake" / into / file.name)
    return record["rebuild"]


def check_rebuilt(carried: Path, workdir: Path) -> int:
    """Refuse a data stage made again whose files that carried outputs were made from differ from the saved ones,
    then give every data file its saved time; how many files were compared.

    Other data files (a corpus's ready marker, the ingest report: they name the run's directory) may differ.
    """
    workdir = Path(workdir).resolve()
    record = read_record(carried)
    entries = [Entry(**e) for e in record["entries"] if e["how"] == "rebuilt"]
    missing = [e.path for e in entries if not (workdir / e.path).is_file()]
    compared = [e for e in entries if e.path in set(record["read"]) and e.path not in missing]
    differ = [e.path for e in compared if sha256_file(workdir / e.path) != e.sha256]
    if missing or differ:
        raise CarryError(f"the data stage made again in {workdir} is not the saved one: missing {missing or 'none'}, "
                         f"other bytes in {differ or 'none'} (a corpus copy or a library differs from the saving "
                         "machine's; the carried results would not follow from these files)")
    for entry in entries:
        os.utime(workdir / entry.path, (entry.mtime, entry.mtime))
    return len(compared)


def rebuild(carried: Path, workdir: Path, cores: int) -> None:
    """Have Snakemake make the saved run's data outputs again in `workdir` (only those: nothing reads them yet)."""
    record = read_record(carried)
    command = [*snakemake_command(record["rebuild"], record["configfiles"]), "--cores", str(cores)]
    if record["rebuild"] and subprocess.run(command, cwd=workdir, env=_environment()).returncode:
        raise CarryError(f"making the data stage again failed in {workdir}: `{' '.join(command)}` (its log says why); "
                         "the outputs restored so far stay, run `restore` again once it is mended")


def check_plan(carried: Path, workdir: Path) -> list[str]:
    """The outputs Snakemake now plans; CarryError naming any that was finished when the run was saved (but for
    those the save left behind with a model, `redone`)."""
    record = read_record(carried)
    pending = pending_outputs(Path(workdir).resolve(), record["targets"], record["configfiles"])
    redone = sorted(set(pending) - set(record["pending"]) - set(record["redone"]))
    if redone:
        raise CarryError(f"after the restore Snakemake would make again {len(redone)} outputs finished at the save "
                         f"({_some(redone)}): do not run it; "
                         "`snakemake -n` with the same arguments gives the reasons")
    return pending
