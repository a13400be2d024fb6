"""Config validation: defaults filled in, errors name the key path, both shipped configs valid."""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import REPO
from sertransfer.config import ConfigError, load_config, validate_config


def base_config() -> dict:
    """The shipped demo config as a plain dict (not yet validated)."""
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


@pytest.mark.parametrize("name", ["config.yaml", "paper.yaml"])
def test_shipped_configs_are_valid(name):
    config = load_config(REPO / "config" / name)
    assert config["ingest"]["on_bad_audio"] == "drop"
    assert config["emotions"] == ["anger", "disgust", "fear", "happiness", "sadness", "surprise"]
    assert config["download"]["max_compression_ratio"] > 1


def test_defaults_are_filled_in():
    config = base_config()
    del config["ingest"]
    validate_config(config)
    assert config["ingest"] == {"on_bad_audio": "drop", "min_duration_s": 0.25, "silence_peak": 0.0001}
    assert config["corpora"]["emodb"]["label_overrides"] == {}


def test_the_packages_function_defaults_are_the_schemas():
    """A default has one home, the schema: a config with no data-stage blocks gets what the functions default to."""
    import inspect

    from sertransfer.corpora import ingest
    from sertransfer.defaults import default
    from sertransfer.features.is10 import extract_is10
    from sertransfer.features.waveform import extract_waveforms
    from sertransfer.folds import assign_folds
    from sertransfer.tables.evidence import PAPER_STATISTICS, Statistics

    config = base_config()
    for block in ("ingest", "features", "folds", "evaluate", "tables", "seed"):
        config.pop(block, None)
    validate_config(config)
    expected = {ingest: {"on_bad_audio": config["ingest"]["on_bad_audio"],
                         "min_duration_s": config["ingest"]["min_duration_s"],
                         "silence_peak": config["ingest"]["silence_peak"]},
                extract_waveforms: {k: v for k, v in config["features"]["waveform"].items()},
                extract_is10: {"sample_rate": config["features"]["is10"]["sample_rate"]},
                assign_folds: {"k": config["folds"]["k"], "strategy": config["folds"]["strategy"],
                               "seed": config["seed"], "rare_class_policy": config["folds"]["rare_classes"]}}
    for function, values in expected.items():
        parameters = inspect.signature(function).parameters
        assert {name: parameters[name].default for name in values} == values, function.__name__
    assert PAPER_STATISTICS == Statistics.from_config(config)
    with pytest.raises(KeyError, match=r"no default for 'ingest.min_duration'"):
        default("ingest.min_duration")


@pytest.mark.parametrize("edit, key", [
    (lambda c: c["ingest"].update(on_bad_audio="explode"), "ingest.on_bad_audio"),
    (lambda c: c["corpora"]["emodb"].update(source="ftp"), "corpora.emodb.source"),
    (lambda c: c["domains"].append("Ravdess 2"), "domains[6]"),
    (lambda c: c["corpora"]["emodb"].update(format="csv"), "corpora.emodb.format"),
    (lambda c: c["synthetic"].update(speakers=0), "synthetic.speakers"),
    (lambda c: c.update(sedd=1), "(top level)"),
    (lambda c: c["corpora"]["emodb"].update(sha256="abc"), "corpora.emodb.sha256"),
    (lambda c: c["corpora"]["emodb"].update(name=""), "corpora.emodb.name"),
])
def test_invalid_value_names_the_key(edit, key):
    config = copy.deepcopy(base_config())
    edit(config)
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    assert f"config key '{key}'" in str(error.value)


def test_any_corpus_is_a_domain_when_described():
    config = base_config()
    config["domains"].append("lab2024")
    config["corpora"]["lab2024"] = {"source": "local", "path": "/data/lab"}
    with pytest.raises(ConfigError, match=r"'corpora.lab2024.format' is required"):
        validate_config(copy.deepcopy(config))
    config["corpora"]["lab2024"]["format"] = "table"
    validated = validate_config(copy.deepcopy(config))
    assert validated["corpora"]["lab2024"]["table"] == "files.csv"
    config["corpora"]["lab2024"] = {"source": "synthetic", "format": "table"}
    with pytest.raises(ConfigError, match="synthetic corpora are generated in one of the six layouts"):
        validate_config(copy.deepcopy(config))
    config["corpora"]["lab2024"] = {"source": "local", "path": "/x", "format": "audformat"}
    with pytest.raises(ConfigError, match=r"corpora.lab2024.audformat' is required"):
        validate_config(copy.deepcopy(config))


def test_cross_key_rules():
    config = base_config()
    config["corpora"]["emodb"] = {"source": "local"}
    with pytest.raises(ConfigError, match=r"corpora\.emodb\.path' is required"):
        validate_config(config)
    config = base_config()
    del config["corpora"]["rml"]
    with pytest.raises(ConfigError, match=r"'corpora' has no entry for them"):
        validate_config(config)
    config = base_config()
    config.setdefault("tables", {})["table4_tex_approaches"] = ["A2", "A9"]
    with pytest.raises(ConfigError, match=r"'tables.table4_tex_approaches' names \['A9'\]"):
        validate_config(config)


def test_schema_format_enum_is_the_vocabularys_corpus_formats():
    from sertransfer.vocabulary import CORPUS_FORMATS

    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    corpus = schema["definitions"]["corpus"]
    assert tuple(corpus["properties"]["format"]["enum"]) == CORPUS_FORMATS


def test_schema_scenario_enum_is_the_vocabularys_scenarios():
    from sertransfer.vocabulary import SCENARIOS

    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    scenarios = schema["properties"]["transfer"]["properties"]["scenarios"]
    assert tuple(scenarios["items"]["enum"]) == tuple(scenarios["default"]) == SCENARIOS
