"""Command line: `sertransfer <command>`, the stages that are useful one at a time, without Snakemake.

Commands: `fetch` and `ingest` (a configured corpus: one of the six, a table, an audformat database or
a pattern corpus), `features` (waveform or IS10 cache), `folds`, `svm-is` and `asvm` (the baselines),
`predict` (an exported model on audio files). Training the networks, the metrics, the tables, the
figures and the report have no command of their own: they are Snakemake rules (`snakemake <output>`
builds any one of them with what it needs). `--version` prints the code version model cards record.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Protocol

from sertransfer.vocabulary import CORPUS_LAYOUTS, RAW_DIR, READY_MARKER

#: Options whose default is read from the config file given with --config (schema defaults filled in):
#: option dest -> config key path. The workflow and the command line thus share one set of defaults.
CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "emotions": ("emotions",), "on_bad_audio": ("ingest", "on_bad_audio"),
    "min_duration": ("ingest", "min_duration_s"), "silence_peak": ("ingest", "silence_peak"),
    "length": ("features", "waveform", "length"), "crop": ("features", "waveform", "crop"),
    "pad": ("features", "waveform", "pad"), "standardize": ("features", "waveform", "standardize"),
    "row_group": ("features", "waveform", "row_group"),
    "k": ("folds", "k"), "strategy": ("folds", "strategy"), "rare_classes": ("folds", "rare_classes"),
    "seed": ("seed",),
}



class Subcommands(Protocol):
    """What `ArgumentParser.add_subparsers()` returns, as this module uses it (argparse's class is private)."""

    def add_parser(self, name: str, **kwargs: object) -> argparse.ArgumentParser: ...

def _config_default(config: dict, path: tuple[str, ...]) -> object:
    """The value at a key path of a validated config."""
    value = config
    for key in path:
        value = value[key]
    return value


def _fill_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """Options left unset take their value from the config file of --config."""
    from sertransfer.config import load_config

    config = load_config(args.config)
    args.loaded_config = config
    for dest, path in CONFIG_KEYS.items():
        if getattr(args, dest, "absent") is None:
            setattr(args, dest, _config_default(config, path))
    if getattr(args, "sample_rate", "absent") is None:  # each feature kind has its own rate
        args.sample_rate = config["features"][args.kind]["sample_rate"]
    if args.command == "ingest" and not args.label and args.corpus in config["corpora"]:
        overrides = config["corpora"][args.corpus]["label_overrides"]
        args.label = [f"{code}={emotion}" for code, emotion in overrides.items()]
    return args


def _ingest(args: argparse.Namespace) -> int:
    """`sertransfer ingest CORPUS ROOT --out M.parquet`."""
    from sertransfer.corpora import BadAudioError, CorpusRootError, corpus_spec, get_corpus, ingest
    from sertransfer.manifest import report_path, summary_lines, write_manifest

    corpora = args.loaded_config["corpora"]
    spec = corpus_spec(args.corpus, corpora[args.corpus]) if args.corpus in corpora else get_corpus(args.corpus)
    overrides = dict(item.split("=", 1) for item in args.label)
    overrides = {k: (None if v.lower() in ("", "none", "null") else v) for k, v in overrides.items()}
    try:
        result = ingest(spec, Path(args.root), domain=args.domain, emotions=tuple(args.emotions),
                        on_bad_audio=args.on_bad_audio, min_duration_s=args.min_duration,
                        silence_peak=args.silence_peak, label_overrides=overrides, threads=args.threads)
    except (CorpusRootError, BadAudioError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_manifest(result, args.out)
    print("\n".join(summary_lines(result.report)))
    print(f"wrote {args.out} and {report_path(args.out)}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    """`sertransfer fetch DOMAIN`: make the corpus root exist (synthetic/download/manual/local)."""
    from sertransfer.config import load_config
    from sertransfer.sources import prepare_corpus

    config = load_config(args.config)
    corpus = config["corpora"][args.domain]
    marker = Path(args.marker or READY_MARKER.format(domain=args.domain))
    info = prepare_corpus(args.domain, corpus, seed=config["seed"], synthetic_defaults=config["synthetic"],
                          download_settings=config["download"], raw_dir=Path(RAW_DIR),
                          checksums_dir=Path(args.checksums_dir), marker=marker)
    print(f"{args.domain}: {info['source']} corpus ready at {info['root']}")
    return 0


def _manifest_root(manifest_path: str, root: str | None) -> Path:
    """The corpus root: given, or the one recorded in the manifest's ingest report."""
    from sertransfer.manifest import read_report, report_path

    return Path(root) if root else Path(read_report(report_path(manifest_path))["root"])


def _features(args: argparse.Namespace) -> int:
    """`sertransfer features waveform|is10 MANIFEST --out CACHE.parquet`."""
    from sertransfer.manifest import read_manifest

    manifest = read_manifest(args.manifest)
    root = _manifest_root(args.manifest, args.root)
    if args.kind == "waveform":
        from sertransfer.features.waveform import extract_waveforms

        count = extract_waveforms(manifest, root, Path(args.out), sample_rate=args.sample_rate, length=args.length,
                                  crop=args.crop, pad=args.pad, standardize=args.standardize, threads=args.threads,
                                  row_group=args.row_group)
    else:
        from sertransfer.features.is10 import extract_is10

        count = extract_is10(manifest, root, Path(args.out), sample_rate=args.sample_rate, threads=args.threads)
    print(f"wrote {args.kind} features of {count} utterances to {args.out}")
    return 0


def _folds(args: argparse.Namespace) -> int:
    """`sertransfer folds MANIFEST --out FOLDS.parquet` (the folds report goes beside it)."""
    from sertransfer.folds import assign_folds, folds_report, report_path, write_folds
    from sertransfer.manifest import read_manifest

    manifest = read_manifest(args.manifest)
    folds = assign_folds(manifest, k=args.k, strategy=args.strategy, seed=args.seed,
                         rare_class_policy=args.rare_classes)
    report = folds_report(manifest, folds, k=args.k, strategy=args.strategy)
    write_folds(folds, args.out, report)
    print(f"wrote {args.out}: " + ", ".join(f"fold {f}: {n}" for f, n in report["fold_sizes"].items()))
    for label, count in report["dropped_rare_classes"].items():
        print(f"  dropped {label}: {count} utterances, fewer than k={args.k} (folds.rare_classes: drop)")
    print(f"wrote {report_path(args.out)}")
    return 0


def _by_domain(paths: list[str], what: str) -> dict[str, str]:
    """Map files named <domain>.parquet to their domain (the file stem), refusing duplicates."""
    mapping = {Path(path).stem: path for path in paths}
    if len(mapping) != len(paths):
        raise ValueError(f"two {what} files have the same name; name each <domain>.parquet")
    return mapping


def _svm_is(args: argparse.Namespace) -> int:
    """`sertransfer svm-is --fold K --is10 D.parquet... --folds D.parquet... --out P.parquet`."""
    from sertransfer.baselines.common import uar
    from sertransfer.baselines.svm_is import svm_is_job
    from sertransfer.config import load_config
    from sertransfer.predictions import read_predictions

    config = load_config(args.config)
    is10, folds = _by_domain(args.is10, "--is10"), _by_domain(args.folds, "--folds")
    if set(is10) != set(folds):
        raise ValueError(f"--is10 domains {sorted(is10)} differ from --folds domains {sorted(folds)}")
    model = svm_is_job(is10, {d: folds[d] for d in is10}, args.fold, args.out, settings=config["baselines"]["svm_is"],
                       emotions=config["emotions"], seed=config["seed"], threads=args.threads)
    frame = read_predictions(args.out)
    print(f"svm-is fold {args.fold}: C={model.C} gamma={model.gamma} (inner UAR {model.cv_uar:.3f})")
    for domain, rows in frame.groupby("domain"):
        print(f"  {domain}: UAR {uar(rows['true'], rows['pred']):.3f} on {len(rows)} test utterances")
    print(f"wrote {args.out}")
    return 0


def _asvm(args: argparse.Namespace) -> int:
    """`sertransfer asvm TARGET --fold K --is10 D.parquet... --folds TARGET.parquet --out P.parquet`."""
    from sertransfer.baselines.asvm import asvm_job
    from sertransfer.baselines.common import uar
    from sertransfer.baselines.source import asvm_source_job, read_source_values
    from sertransfer.config import load_config
    from sertransfer.predictions import read_predictions

    config = load_config(args.config)
    settings = config["baselines"]["asvm"]
    is10, folds = _by_domain(args.is10, "--is10"), _by_domain(args.folds, "--folds")
    if args.target not in is10 or args.target not in folds:
        raise ValueError(f"give the target's IS10 cache and folds ({args.target}.parquet) in --is10 and --folds")
    if args.source_values and Path(args.source_values).exists():
        source = read_source_values(args.source_values)
    else:  # train the source SVMs on every other --is10 domain (and keep the values if asked to)
        out = args.source_values or Path(args.out).with_suffix(".source.parquet")
        source = asvm_source_job(args.target, is10, out, settings=settings, emotions=config["emotions"],
                                 threads=args.threads)
        print(f"source SVMs on {sorted(set(is10) - {args.target})}: decision values in {out}")
    model = asvm_job(args.target, is10[args.target], folds[args.target], source, args.fold, args.out,
                     settings=settings, emotions=config["emotions"], seed=config["seed"])
    frame = read_predictions(args.out)
    print(f"asvm {args.target} fold {args.fold}: {model.settings}; "
          f"UAR {uar(frame['true'], frame['pred']):.3f} on {len(frame)} test utterances")
    print(f"wrote {args.out}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    """`sertransfer predict MODEL AUDIO... [--out predictions.csv] [--windows]`; exit 1 if any file failed."""
    from sertransfer.predict import ExportedModel, format_table, predict_files

    model = ExportedModel.load(args.model)
    frame = predict_files(model, args.audio, args.hop, per_window=args.windows)
    print(format_table(frame))
    if args.out:
        from sertransfer import atomic

        atomic.write_text(args.out, frame.to_csv(index=False))
        print(f"wrote {args.out}")
    failed = frame["error"].fillna("").ne("").sum()
    if failed:
        print(f"{failed} of {len(args.audio)} files could not be predicted (see the error column)", file=sys.stderr)
    return 1 if failed else 0


def _add_baseline_commands(commands: Subcommands) -> None:
    """Subcommands `svm-is` and `asvm` (grids, emotions and seed from the config file)."""
    svm_is = _with_config_parser(commands, "svm-is",
                                 help="SVM-IS for one run k: pooled training folds -> every test fold k")
    svm_is.add_argument("--fold", type=int, required=True, help="run k (its test fold is predicted)")
    svm_is.add_argument("--is10", nargs="+", required=True, help="IS10 caches, one <domain>.parquet per domain")
    svm_is.add_argument("--folds", nargs="+", required=True, help="folds tables, one <domain>.parquet per domain")
    svm_is.add_argument("--out", required=True, help="predictions Parquet to write")
    svm_is.add_argument("--threads", type=int, default=2)
    svm_is.set_defaults(run=_svm_is)

    asvm = _with_config_parser(commands, "asvm", help="Adaptive SVM for one (target, fold)")
    asvm.add_argument("target", help="target domain (its cache is <target>.parquet among --is10)")
    asvm.add_argument("--fold", type=int, required=True, help="run k (the target's test fold)")
    asvm.add_argument("--is10", nargs="+", required=True,
                      help="IS10 caches <domain>.parquet: the target's and the source domains'")
    asvm.add_argument("--folds", nargs="+", required=True, help="folds table(s); the target's <target>.parquet is used")
    asvm.add_argument("--source-values", default=None,
                      help="source decision values Parquet: read if it exists, else computed and written there "
                           "(default: computed, written beside --out as *.source.parquet)")
    asvm.add_argument("--out", required=True, help="predictions Parquet to write")
    asvm.add_argument("--threads", type=int, default=2)
    asvm.set_defaults(run=_asvm)


def _rate(text: str) -> int | str:
    """A sample rate option: Hz, or `native`."""
    return text if text == "native" else int(text)


def _with_config_parser(commands: Subcommands, name: str, **kwargs: object) -> argparse.ArgumentParser:
    """A subcommand with the --config option its defaults come from."""
    from sertransfer.config import DEFAULT_CONFIG_PATH

    parser = commands.add_parser(name, **kwargs)
    parser.add_argument("--config", default=str(DEFAULT_CONFIG_PATH),
                        help="config file whose values are the defaults of the options (default: the demo config)")
    return parser


def _version() -> str:
    """The code version model cards record (`fingerprint.code_version`)."""
    from sertransfer.fingerprint import code_version

    return code_version(Path(__file__).resolve().parents[2])


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per stage."""
    parser = argparse.ArgumentParser(prog="sertransfer", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress messages")
    parser.add_argument("--version", action="version", version=f"sertransfer {_version()}",
                        help="the code version (git describe and code fingerprint) that model cards record")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = _with_config_parser(commands, "ingest", help="parse a corpus directory into a manifest + report")
    ingest.add_argument("corpus", help=f"one of the six corpora ({', '.join(CORPUS_LAYOUTS)}) or any domain the "
                                       "--config file describes under corpora:")
    ingest.add_argument("root", help="corpus root directory (as extracted from the published archive)")
    ingest.add_argument("--out", required=True, help="manifest Parquet to write (report goes beside it)")
    ingest.add_argument("--domain", default=None, help="domain name for utterance ids (default: corpus key)")
    ingest.add_argument("--emotions", nargs="+", help="emotions to keep (default: the config's `emotions`)")
    ingest.add_argument("--on-bad-audio", choices=("drop", "fail"), help="default: the config's ingest.on_bad_audio")
    ingest.add_argument("--min-duration", type=float, help="shortest usable clip in seconds (ingest.min_duration_s)")
    ingest.add_argument("--silence-peak", type=float, help="peak at or below which a clip is silent "
                                                           "(ingest.silence_peak)")
    ingest.add_argument("--label", action="append", default=[], metavar="CODE=EMOTION",
                        help="override a label mapping, e.g. exc=happiness or exc=none (repeatable; default: the "
                             "config's corpora.<corpus>.label_overrides)")
    ingest.add_argument("--threads", type=int, default=2)
    ingest.set_defaults(run=_ingest)

    features = _with_config_parser(commands, "features", help="build a feature cache from a manifest")
    features.add_argument("kind", choices=("waveform", "is10"))
    features.add_argument("manifest", help="manifest Parquet written by `ingest`")
    features.add_argument("--out", required=True, help="cache Parquet to write")
    features.add_argument("--root", default=None, help="corpus root (default: the one in the ingest report)")
    features.add_argument("--sample-rate", type=_rate, help="Hz or `native` (features.<kind>.sample_rate)")
    features.add_argument("--length", type=int, help="waveform samples per utterance (features.waveform.length)")
    features.add_argument("--crop", choices=("center", "start"), help="features.waveform.crop")
    features.add_argument("--pad", choices=("end", "center", "start"), help="features.waveform.pad")
    features.add_argument("--standardize", choices=("utterance", "dimension", "none"),
                          help="features.waveform.standardize")
    features.add_argument("--row-group", type=int, help="waveform rows per Parquet row group "
                          "(features.waveform.row_group)")
    features.add_argument("--threads", type=int, default=2)
    features.set_defaults(run=_features)

    folds = _with_config_parser(commands, "folds", help="assign cross-validation folds to a manifest")
    folds.add_argument("manifest")
    folds.add_argument("--out", required=True)
    folds.add_argument("--k", type=int, help="folds per domain (folds.k)")
    folds.add_argument("--strategy", choices=("stratified", "speaker"), help="folds.strategy")
    folds.add_argument("--seed", type=int, help="the config's `seed`")
    folds.add_argument("--rare-classes", choices=("drop", "fail"),
                       help="a class with fewer than k utterances is dropped (and reported) or stops the command "
                            "(folds.rare_classes)")
    folds.set_defaults(run=_folds)

    predict = _with_config_parser(commands, "predict", help="emotions of audio files from an exported model")
    predict.add_argument("model", help="results/export/<target>/, or its model.keras or model.onnx "
                                       "(model_card.json beside it)")
    predict.add_argument("audio", nargs="+", help="audio files: any format and sample rate ffmpeg reads")
    predict.add_argument("--out", help="also write the table as CSV here")
    predict.add_argument("--windows", action="store_true", help="a row per window besides the file's average")
    predict.add_argument("--hop", type=float, default=1.0, help="seconds between windows of a long file")
    predict.set_defaults(run=_predict)

    fetch = _with_config_parser(commands, "fetch", help="make a configured corpus available (synthetic/download/...)")
    fetch.add_argument("domain")
    fetch.add_argument("--marker", default=None, help="ready-marker JSON (default data/raw/DOMAIN.ready.json)")
    fetch.add_argument("--checksums-dir", default="config/checksums")
    fetch.set_defaults(run=_fetch)
    _add_baseline_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `sertransfer` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return int(args.run(_fill_defaults(args)))
    except (KeyError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
