"""The configuration schema and its defaults: the one home of every default value.

The schema (`workflow/schemas/config.schema.yaml`) gives each key its default. Validation fills them in
(`config.validate_config`), and the package's functions that callers outside the workflow use (the CLI,
tests, benchmarks) default to the same values through `default`, so no default is written twice. The rules
always pass the config's values. Kept apart from `config` (its cross-key checks), so that an edit of those
checks reruns no data stage.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml"


def load_schema(path: Path = SCHEMA_PATH) -> dict:
    """Read the YAML JSON-schema."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def with_defaults(validator_class: type) -> type:
    """Extend a jsonschema validator so that it fills in `default` values while validating."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator: Any, properties: Mapping, instance: Any, schema: Mapping) -> Iterator:
        """Fill each absent property that has a default, then validate as usual."""
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


@cache
def schema_defaults() -> Mapping:
    """Every default of the schema, nested as in a config (what validation fills into an empty config)."""
    schema = load_schema()
    filled: dict = {}
    for _ in with_defaults(jsonschema.validators.validator_for(schema))(schema).iter_errors(filled):
        pass   # an empty config lacks the required `domains` and `corpora`: only the filled defaults matter here
    return filled


def default(key: str) -> Any:  # noqa: ANN401 - a default is whatever type its key holds
    """The schema's default of the dotted config `key` (e.g. `ingest.min_duration_s`); KeyError names it."""
    value: Any = schema_defaults()
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise KeyError(f"the config schema gives no default for '{key}' ({SCHEMA_PATH})")
        value = value[part]
    return copy.deepcopy(value)
