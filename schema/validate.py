#!/usr/bin/env python3
"""Validates model or experiment files against capsim's JSON Schema, with an
implementation independent of capsim's (Python's `jsonschema`), so a test of
the shipped files checks the schema rather than the code that generated it.

    python3 schema/validate.py schema/model.schema.json models/*.json models/*.yaml

Prints one line per file, `FILE: ok` or `FILE: invalid at PATH: MESSAGE` (the
first error, the deepest path), and exits 1 if any file is invalid.
Needs `jsonschema` (and PyYAML for .yaml/.yml files): .ci/run installs both
in target/.venv-schema.
"""

import json
import sys

import jsonschema


def load(path):
    with open(path, encoding="utf-8") as file:
        if path.endswith((".yaml", ".yml")):
            import yaml

            return yaml.safe_load(file)
        return json.load(file)


def main(schema_path, paths):
    with open(schema_path, encoding="utf-8") as file:
        schema = json.load(file)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    invalid = 0
    for path in paths:
        errors = list(validator.iter_errors(load(path)))
        if not errors:
            print(f"{path}: ok")
            continue
        invalid += 1
        # The deepest error of the best match says most about what is wrong.
        error = jsonschema.exceptions.best_match(errors)
        where = ".".join(str(step) for step in error.absolute_path) or "."
        print(f"{path}: invalid at {where}: {error.message}")
    return 1 if invalid else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
