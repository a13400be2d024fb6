"""Command line: `sertransfer <command>`; every stage is usable without Snakemake."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

DEFAULT_EMOTIONS = ("anger", "disgust", "fear", "happiness", "sadness", "surprise")


def _ingest(args: argparse.Namespace) -> int:
    """`sertransfer ingest CORPUS ROOT --out M.parquet`."""
    from sertransfer.corpora import BadAudioError, CorpusRootError, get_corpus, ingest
    from sertransfer.manifest import report_path, summary_lines, write_manifest

    spec = get_corpus(args.corpus)
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
    marker = Path(args.marker or f"data/raw/{args.domain}.ready.json")
    info = prepare_corpus(args.domain, corpus, seed=config["seed"], synthetic_defaults=config["synthetic"],
                          download_settings=config["download"], raw_dir=Path("data/raw"),
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
                                  crop=args.crop, threads=args.threads)
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


def _add_baseline_commands(commands: argparse._SubParsersAction) -> None:
    """Subcommands `svm-is` and `asvm` (grids, emotions and seed from the config file)."""
    svm_is = commands.add_parser("svm-is", help="SVM-IS for one run k: pooled training folds -> every test fold k")
    svm_is.add_argument("--fold", type=int, required=True, help="run k (its test fold is predicted)")
    svm_is.add_argument("--is10", nargs="+", required=True, help="IS10 caches, one <domain>.parquet per domain")
    svm_is.add_argument("--folds", nargs="+", required=True, help="folds tables, one <domain>.parquet per domain")
    svm_is.add_argument("--out", required=True, help="predictions Parquet to write")
    svm_is.add_argument("--config", default="config/config.yaml", help="baselines.svm_is grid, emotions, seed")
    svm_is.add_argument("--threads", type=int, default=2)
    svm_is.set_defaults(run=_svm_is)

    asvm = commands.add_parser("asvm", help="Adaptive SVM for one (target, fold)")
    asvm.add_argument("target", help="target domain (its cache is <target>.parquet among --is10)")
    asvm.add_argument("--fold", type=int, required=True, help="run k (the target's test fold)")
    asvm.add_argument("--is10", nargs="+", required=True,
                      help="IS10 caches <domain>.parquet: the target's and the source domains'")
    asvm.add_argument("--folds", nargs="+", required=True, help="folds table(s); the target's <target>.parquet is used")
    asvm.add_argument("--source-values", default=None,
                      help="source decision values Parquet: read if it exists, else computed and written there "
                           "(default: computed, written beside --out as *.source.parquet)")
    asvm.add_argument("--out", required=True, help="predictions Parquet to write")
    asvm.add_argument("--config", default="config/config.yaml", help="baselines.asvm settings, emotions, seed")
    asvm.add_argument("--threads", type=int, default=2)
    asvm.set_defaults(run=_asvm)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per stage."""
    parser = argparse.ArgumentParser(prog="sertransfer", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress messages")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="parse a corpus directory into a manifest + report")
    ingest.add_argument("corpus", help="corpus key: afew, emodb, emovo, enterface, iemocap, rml")
    ingest.add_argument("root", help="corpus root directory (as extracted from the published archive)")
    ingest.add_argument("--out", required=True, help="manifest Parquet to write (report goes beside it)")
    ingest.add_argument("--domain", default=None, help="domain name for utterance ids (default: corpus key)")
    ingest.add_argument("--emotions", nargs="+", default=list(DEFAULT_EMOTIONS), help="emotions to keep")
    ingest.add_argument("--on-bad-audio", choices=("drop", "fail"), default="drop")
    ingest.add_argument("--min-duration", type=float, default=0.25, help="shortest usable clip in seconds")
    ingest.add_argument("--silence-peak", type=float, default=1e-4, help="peak at or below which a clip is silent")
    ingest.add_argument("--label", action="append", default=[], metavar="CODE=EMOTION",
                        help="override a label mapping, e.g. exc=happiness or exc=none (repeatable)")
    ingest.add_argument("--threads", type=int, default=2)
    ingest.set_defaults(run=_ingest)

    features = commands.add_parser("features", help="build a feature cache from a manifest")
    features.add_argument("kind", choices=("waveform", "is10"))
    features.add_argument("manifest", help="manifest Parquet written by `ingest`")
    features.add_argument("--out", required=True, help="cache Parquet to write")
    features.add_argument("--root", default=None, help="corpus root (default: the one in the ingest report)")
    features.add_argument("--sample-rate", type=int, default=16000)
    features.add_argument("--length", type=int, default=54000, help="waveform samples per utterance")
    features.add_argument("--crop", choices=("center", "start"), default="center")
    features.add_argument("--threads", type=int, default=2)
    features.set_defaults(run=_features)

    folds = commands.add_parser("folds", help="assign cross-validation folds to a manifest")
    folds.add_argument("manifest")
    folds.add_argument("--out", required=True)
    folds.add_argument("--k", type=int, default=5)
    folds.add_argument("--strategy", choices=("stratified", "speaker"), default="stratified")
    folds.add_argument("--seed", type=int, default=2017)
    folds.add_argument("--rare-classes", choices=("drop", "fail"), default="drop",
                       help="a class with fewer than k utterances is dropped (and reported) or stops the command")
    folds.set_defaults(run=_folds)

    fetch = commands.add_parser("fetch", help="make a configured corpus available (synthetic/download/...)")
    fetch.add_argument("domain")
    fetch.add_argument("--config", default="config/config.yaml")
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
        return int(args.run(args))
    except (KeyError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
