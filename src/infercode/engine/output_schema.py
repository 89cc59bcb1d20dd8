"""``--output-schema``: a JSON Schema the final answer must satisfy.

The schema is sent as ``text.format`` (``json_schema``, strict) and the answer is checked here too,
because not every server enforces it. jsonschema is imported only when a schema is given.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from infercode.engine.events import JSON
from infercode.errors import ConfigError


def load_schema(path: Path) -> JSON:
    """Read and check a schema file; any problem is a ConfigError (exit 2, before any request)."""
    import jsonschema

    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"--output-schema {path}: cannot read it ({error.strerror})") from None
    except ValueError as error:
        raise ConfigError(f"--output-schema {path}: not valid JSON ({error})") from None
    if not isinstance(schema, dict):
        raise ConfigError(f"--output-schema {path}: a JSON Schema must be a JSON object")
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as error:
        raise ConfigError(
            f"--output-schema {path}: not a valid JSON Schema: {error.message}"
        ) from None
    return schema


def text_format(schema: JSON, path: Path) -> JSON:
    """The request's ``text.format``; the name is the schema's title, else the file's stem."""
    raw_name = str(schema.get("title") or path.stem or "output")
    name = re.sub(r"[^A-Za-z0-9_-]", "_", raw_name)[:64] or "output"
    return {"type": "json_schema", "name": name, "schema": schema, "strict": True}


def check_answer(text: str, schema: JSON) -> tuple[object, str | None]:
    """Parse ``text`` and validate it: (the value, None) or (None, why it does not fit)."""
    import jsonschema

    candidate = _strip_fence(text.strip())
    try:
        value = json.loads(candidate)
    except ValueError as error:
        return None, f"the answer is not JSON ({error})"
    validator = jsonschema.validators.validator_for(schema)(schema)
    problem = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if problem is not None:
        where = "/".join(str(p) for p in problem.absolute_path) or "(root)"
        return None, f"the answer does not match the schema at {where}: {problem.message}"
    return value, None


def _strip_fence(text: str) -> str:
    """Some models wrap JSON in a markdown fence even when asked for raw JSON."""
    match = re.fullmatch(r"```(?:json)?\s*\n(.*)\n```", text, flags=re.S)
    return match.group(1) if match else text
