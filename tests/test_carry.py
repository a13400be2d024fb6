"""Carrying an unfinished run to another machine: save its finished outputs, restore them into a fresh checkout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sertransfer.carry import (
    CARRY_RECORD,
    FILES,
    CarryError,
    check_plan,
    check_rebuilt,
    dropped_models,
    rebuild,
    redone_outputs,
    restore_outputs,
    save,
    snakemake_records,
)

#: A workflow shaped like the pipeline's: a data stage, pretrained models each read by one fine-tuning job
#: (a directory output), a table over every fine-tuning job. Shell rules only, so it runs in seconds.
SNAKEFILE = """\
SETS = ["a", "b"]

rule all:
    input: "results/tables/table.csv"

rule cache:
    output: "data/features/cache.txt"
    log: "logs/cache.log"
    shell: "echo {config[cache]} > {output}; echo made > {log}"

rule pretrain:
    input: "data/features/cache.txt"
    output: "results/models/pretrain/{s}.keras"
    shell: "cat {input} > {output}; echo model {wildcards.s} >> {output}"

rule finetune:
    input: model="results/models/pretrain/{s}.keras", cache="data/features/cache.txt"
    output: directory("results/predictions/finetune/{s}")
    shell: "mkdir -p {output}; cat {input.model} > {output}/unit0.txt"

rule table:
    input: expand("results/predictions/finetune/{s}", s=SETS)
    output: "results/tables/table.csv"
    shell: "cat results/predictions/finetune/*/unit0.txt > {output}"
"""


def _git(workdir: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in `workdir` with a fixed identity (and `env` added); its output."""
    command = ["git", "-C", str(workdir), "-c", "user.name=test", "-c", "user.email=test@example.org", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True, env={**os.environ, **(env or {})}).stdout


def _snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the Snakemake beside this Python in `workdir`."""
    from sertransfer.carry import snakemake_command

    return subprocess.run([*snakemake_command(args, ["config.yaml"]), "--cores", "1"], cwd=workdir,
                          capture_output=True, text=True)


@pytest.fixture
def half_run(tmp_path) -> Path:
    """A git checkout of the small workflow with set `a` fine-tuned, set `b` pretrained only (the table to do)."""
    workdir = tmp_path / "run"
    workdir.mkdir()
    (workdir / "Snakefile").write_text(SNAKEFILE)
    (workdir / "config.yaml").write_text("cache: 42\n")
    (workdir / ".gitignore").write_text("data/\nresults/\nlogs/\n.snakemake/\n")
    _git(workdir, "init", "-q")
    _git(workdir, "add", "-A")
    _git(workdir, "commit", "-q", "-m", "the workflow")
    done = _snakemake(workdir, "results/predictions/finetune/a", "results/models/pretrain/b.keras")
    assert done.returncode == 0, done.stderr[-2000:]
    return workdir


def test_save_keeps_finished_outputs_drops_read_models_and_hashes_the_data_stage(half_run, tmp_path):
    record = save(half_run, tmp_path / "carried", ["all"], ["config.yaml"])
    how = {entry["path"]: entry["how"] for entry in record["entries"]}
    assert how["results/predictions/finetune/a/unit0.txt"] == "carried"
    assert how["results/models/pretrain/b.keras"] == "carried"        # its fine-tuning is still to do
    assert "results/models/pretrain/a.keras" not in how               # read by a finished job: left behind
    assert how["data/features/cache.txt"] == "rebuilt" and how["logs/cache.log"] == "carried"
    assert record["rebuild"] == ["data/features/cache.txt"]
    assert set(record["pending"]) == {"results/predictions/finetune/b", "results/tables/table.csv"}
    assert not (tmp_path / "carried" / FILES / "data").exists()
    assert (tmp_path / "carried" / FILES / "results/models/pretrain/b.keras").is_file()


def test_restore_into_a_fresh_checkout_plans_only_what_was_left_and_finishes_like_the_original(half_run, tmp_path):
    carried = tmp_path / "carried"
    save(half_run, carried, ["all"], ["config.yaml"])
    finished = _snakemake(half_run, "all")                            # the run finished where it was
    assert finished.returncode == 0, finished.stderr[-2000:]
    expected = (half_run / "results/tables/table.csv").read_text()
    half_run.rename(tmp_path / "first-machine")                        # the first machine is gone
    _git(tmp_path, "clone", "-q", str(tmp_path / "first-machine"), str(half_run))

    assert restore_outputs(carried, half_run) == ["data/features/cache.txt"]
    rebuild(carried, half_run, cores=1)
    assert check_rebuilt(carried, half_run) == 1
    assert set(check_plan(carried, half_run)) == {"results/predictions/finetune/b", "results/tables/table.csv"}
    dry = _snakemake(half_run, "all", "-n")
    planned = dict(re.findall(r"^(\w+)\s+(\d+)$", dry.stdout, flags=re.M))     # the dry run's job stats
    assert planned == {"finetune": "1", "table": "1", "all": "1", "total": "3"}, dry.stdout
    resumed = _snakemake(half_run, "all")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert (half_run / "results/tables/table.csv").read_text() == expected


def test_a_model_left_behind_is_made_again_and_the_run_still_finishes_like_the_original(half_run, tmp_path):
    carried = tmp_path / "carried"
    record = save(half_run, carried, ["all"], ["config.yaml"], leave_models=True)
    assert not any(entry["path"].endswith(".keras") for entry in record["entries"])
    assert record["redone"] == ["results/models/pretrain/b.keras"]
    finished = _snakemake(half_run, "all")
    assert finished.returncode == 0, finished.stderr[-2000:]
    expected = (half_run / "results/tables/table.csv").read_text()
    half_run.rename(tmp_path / "first-machine")
    _git(tmp_path, "clone", "-q", str(tmp_path / "first-machine"), str(half_run))
    restore_outputs(carried, half_run)
    rebuild(carried, half_run, cores=1)
    check_rebuilt(carried, half_run)
    assert "results/models/pretrain/b.keras" in check_plan(carried, half_run)
    resumed = _snakemake(half_run, "all")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert (half_run / "results/tables/table.csv").read_text() == expected


def test_what_a_left_model_makes_again_is_its_job_and_everything_made_from_it():
    records = {"m/a.keras": {"rule": "pretrain", "job_hash": 1, "input": ["data/c"]},
               "p/a.parquet": {"rule": "pretrain", "job_hash": 1, "input": ["data/c"]},
               "m/b.keras": {"rule": "pretrain", "job_hash": 2, "input": ["data/c"]},
               "metrics.csv": {"rule": "metrics", "job_hash": 3, "input": ["p/a.parquet", "p/b.parquet"]},
               "table.csv": {"rule": "table", "job_hash": 4, "input": ["metrics.csv"]},
               "other.csv": {"rule": "table", "job_hash": 5, "input": ["p/b.parquet"]}}
    assert redone_outputs({"m/a.keras"}, records) == {"m/a.keras", "p/a.parquet", "metrics.csv", "table.csv"}


def test_restore_refuses_another_commit_and_a_data_stage_with_other_bytes(half_run, tmp_path):
    carried = tmp_path / "carried"
    save(half_run, carried, ["all"], ["config.yaml"])
    half_run.rename(tmp_path / "first-machine")
    _git(tmp_path, "clone", "-q", str(tmp_path / "first-machine"), str(half_run))
    (half_run / "README").write_text("a later change\n")
    _git(half_run, "add", "README")
    _git(half_run, "commit", "-q", "-m", "later")
    with pytest.raises(CarryError, match="checkout"):
        restore_outputs(carried, half_run)
    _git(half_run, "checkout", "-q", "HEAD~1")
    restore_outputs(carried, half_run)
    (half_run / "config.yaml").write_text("cache: 43\n")               # the data stage would differ
    rebuild(carried, half_run, cores=1)
    with pytest.raises(CarryError, match="data/features/cache.txt"):
        check_rebuilt(carried, half_run)


def test_save_refuses_a_running_run_and_restore_a_folder_that_is_not_a_save(half_run, tmp_path):
    locks = half_run / ".snakemake" / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    (locks / "0.input.lock").write_text("")
    with pytest.raises(CarryError, match="lock"):
        save(half_run, tmp_path / "carried", ["all"], ["config.yaml"])
    shutil.rmtree(locks)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CarryError, match=CARRY_RECORD):
        restore_outputs(tmp_path / "empty", half_run)


def test_a_save_that_fails_half_way_leaves_the_earlier_save_whole(half_run, tmp_path, monkeypatch):
    import sertransfer.carry as carry

    carried = tmp_path / "carried"
    first = save(half_run, carried, ["all"], ["config.yaml"])
    copies, copy = [], shutil.copy2

    def failing_copy(source, target):
        copies.append(source)
        if len(copies) == 3:
            raise OSError("disk full")
        return copy(source, target)

    monkeypatch.setattr(carry.shutil, "copy2", failing_copy)
    with pytest.raises(OSError, match="disk full"):
        save(half_run, carried, ["all"], ["config.yaml"])
    assert json.loads((carried / CARRY_RECORD).read_text()) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["carried", "run"]   # no staging folder left


def test_restore_refuses_to_overwrite_other_versions_of_saved_outputs(half_run, tmp_path):
    carried = tmp_path / "carried"
    save(half_run, carried, ["all"], ["config.yaml"])
    (half_run / "results/predictions/finetune/a/unit0.txt").write_text("another run's\n")
    with pytest.raises(CarryError, match="unit0.txt"):
        restore_outputs(carried, half_run)


def test_only_droppable_outputs_that_no_job_still_to_run_reads_are_dropped():
    paths = ["results/models/pretrain/a.keras", "results/models/pretrain/b.keras", "results/predictions/finetune/a"]
    needed = {"results/models/pretrain/b.keras", "results/predictions/finetune/a", "data/x"}
    assert dropped_models(paths, needed) == {"results/models/pretrain/a.keras"}
    assert json.dumps(sorted(dropped_models(paths, set(paths)))) == "[]"


def test_the_tiny_run_carried_with_one_fine_tuning_job_left_plans_only_that_job_and_what_reads_it(
        finished_copy, tmp_path):
    workdir, config = finished_copy
    origin = Path(json.loads((workdir / "data/raw/rml.ready.json").read_text())["root"]).parents[2]
    for marker in (workdir / "data").rglob("*.json"):     # name this copy's directory, as a run made here would
        stat = marker.stat()
        marker.write_text(marker.read_text().replace(str(origin), str(workdir)))
        os.utime(marker, (stat.st_mtime, stat.st_mtime))
    (workdir / ".gitignore").write_text("data/\nresults/\nlogs/\n.snakemake/\n")
    _git(workdir, "init", "-q")
    _git(workdir, "add", "-A")
    _git(workdir, "commit", "-q", "-m", "the workflow", env={"GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"})
    left = sorted((workdir / "results/predictions/finetune").iterdir())[0]
    for path in redone_outputs({str(left.relative_to(workdir))}, snakemake_records(workdir)):
        shutil.rmtree(workdir / path) if (workdir / path).is_dir() else (workdir / path).unlink()
    # as if stopped before that fine-tuning job: it and everything made from it still to do
    carried = tmp_path / "carried"
    record = save(workdir, carried, ["all"], [str(config.relative_to(workdir))])
    models = {e["path"] for e in record["entries"] if e["path"].startswith("results/models/pretrain/")}
    assert models == {f"results/models/pretrain/{left.name}.keras"}    # the others' readers are done
    assert f"results/predictions/finetune/{left.name}" in record["pending"]
    assert not any(path.startswith("results/predictions/tt/") for path in record["pending"])
    workdir.rename(tmp_path / "first-machine")
    _git(tmp_path, "clone", "-q", str(tmp_path / "first-machine"), str(workdir))

    restore_outputs(carried, workdir)
    rebuild(carried, workdir, cores=2)
    assert check_rebuilt(carried, workdir) == len(record["read"]) > 0   # the caches, folds and manifests read
    assert set(check_plan(carried, workdir)) == set(record["pending"])
