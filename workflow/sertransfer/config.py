"""Loading and validating the workflow configuration against its JSON schema (docs/design.md §16)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import jsonschema
import yaml

from sertransfer.defaults import load_schema, with_defaults
from sertransfer.vocabulary import CORPUS_FORMATS, CORPUS_LAYOUTS

#: Repository root (the directory holding Snakefile), found from this file's location.
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_PATH = REPO_ROOT / "config" / "config.yaml"


class ConfigError(ValueError):
    """The configuration does not satisfy the schema; the message names the key path."""


def key_path(error: jsonschema.ValidationError) -> str:
    """Dotted key path of a validation error, e.g. `ingest.on_bad_audio` or `domains[2]`."""
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def validate_config(config: dict, schema: dict | None = None) -> dict:
    """Validate `config` in place, fill defaults, check cross-key rules; raise ConfigError naming the key."""
    schema = load_schema() if schema is None else schema
    validator_class = with_defaults(jsonschema.validators.validator_for(schema))
    errors = sorted(validator_class(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  - config key '{key_path(e)}': {e.message}" for e in errors]
        raise ConfigError("invalid configuration (fix these keys, see config/README.md):\n" + "\n".join(lines))
    if config["training"]["reuse_graph"] and config["training"]["run_eagerly"]:
        raise ConfigError("invalid configuration: config key 'training.reuse_graph' needs compiled training steps; "
                          "set training.run_eagerly: false")
    held_out = config["training"]["validation_fraction"] + config["training"]["selection_fraction"]
    if held_out >= 1:
        raise ConfigError(f"invalid configuration: config keys 'training.validation_fraction' + "
                          f"'training.selection_fraction' = {held_out:g} leave nothing to fit; keep their sum below 1")
    for key, chosen in (("transfer.ablation_approaches", config["transfer"]["ablation_approaches"]),
                        ("repeats.approaches", config["repeats"]["approaches"]),
                        ("tables.table4_tex_approaches", config["tables"]["table4_tex_approaches"])):
        unknown = sorted(set(chosen or ()) - set(config["transfer"]["approaches"]))
        if unknown:
            raise ConfigError(f"invalid configuration: config key '{key}' names {unknown}, which "
                              f"transfer.approaches does not define")
    missing = [domain for domain in config["domains"] if domain not in config["corpora"]]
    if missing:
        raise ConfigError(
            f"invalid configuration: config key 'domains' lists {missing} but 'corpora' has no entry for them "
            f"(add corpora.{missing[0]}.source: synthetic|download|manual|local)")
    for domain in config["domains"]:
        corpus = config["corpora"][domain]
        layout = corpus.get("format") or domain
        if layout not in CORPUS_FORMATS:
            raise ConfigError(f"invalid configuration: config key 'corpora.{domain}.format' is required: {domain!r} "
                              f"is not one of the six corpora ({', '.join(CORPUS_LAYOUTS)}); describe it with "
                              f"format: table (a CSV of file, label, speaker), format: audformat or format: pattern "
                              f"(labels in the file names)")
        if layout == "pattern":
            check_pattern(domain, corpus.get("pattern"))
        if layout == "audformat" and not corpus.get("audformat"):
            raise ConfigError(f"invalid configuration: config key 'corpora.{domain}.audformat' is required with "
                              f"format: audformat (label: <table>.<column>)")
        if corpus["source"] == "synthetic" and layout not in CORPUS_LAYOUTS:
            raise ConfigError(f"invalid configuration: config key 'corpora.{domain}.source': synthetic corpora are "
                              f"generated in one of the six layouts; set format to one of {', '.join(CORPUS_LAYOUTS)}")
        if corpus["source"] == "local" and not corpus.get("path"):
            raise ConfigError(f"invalid configuration: config key 'corpora.{domain}.path' is required "
                              f"when corpora.{domain}.source is 'local' (the extracted corpus directory)")
        if corpus["source"] == "download" and not corpus.get("url"):
            raise ConfigError(f"invalid configuration: config key 'corpora.{domain}.url' is required "
                              f"when corpora.{domain}.source is 'download'")
    return config


def check_pattern(domain: str, pattern: Mapping | None) -> None:
    """A `format: pattern` corpus's glob and regular expression, or a ConfigError naming the key."""
    import re

    if not pattern:
        raise ConfigError(f"invalid configuration: config key 'corpora.{domain}.pattern' is required with "
                          f"format: pattern ({{glob: '*/*.wav', regex: '(?P<speaker>[^/]+)/(?P<label>[a-z]+)_.*'}})")
    try:
        compiled = re.compile(pattern["regex"])
    except re.error as error:
        raise ConfigError(f"invalid configuration: config key 'corpora.{domain}.pattern.regex' is not a regular "
                          f"expression ({error})") from None
    if "label" not in compiled.groupindex:
        raise ConfigError(f"invalid configuration: config key 'corpora.{domain}.pattern.regex' needs a named group "
                          f"(?P<label>...) (optional: (?P<speaker>...), (?P<gender>...))")


def load_config(path: str | Path = DEFAULT_CONFIG_PATH) -> dict:
    """Read a YAML config file and validate it."""
    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    return validate_config(config)
