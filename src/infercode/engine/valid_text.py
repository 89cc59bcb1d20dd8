"""Text from the model made valid, once, at the boundary: bytes that are not UTF-8 become U+FFFD,
and so do lone surrogates (``"\\ud800"``, valid JSON but not encodable text). The SSE decoder
(``api/sse.py``) calls ``decode_json`` on every event; the engine parses a call's arguments with
``loads_text``. Everything downstream (history, the session file, the terminal, the files an edit
writes, the next request) can then assume well-formed text.
"""

from __future__ import annotations

import json
import re

_loads = json.loads
#: A ``\\uD800``-``\\uDFFF`` escape: the only way a JSON text can carry a surrogate. Surrogate
#: pairs (escaped emoji) match too and come out of ``json`` joined, so they are left alone.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def decode_json(data: bytes) -> object:
    """JSON from the server as valid text (see the module docstring); None if it is not JSON."""
    try:
        text = data.decode()
    except UnicodeDecodeError:
        text = data.decode(errors="replace")
    try:
        value = _loads(text)
    except ValueError:  # not JSON (``[DONE]``, a comment-like payload)
        return None
    if SURROGATE_ESCAPE.search(data) is not None:
        return valid_text(value)
    return value


def loads_text(text: str) -> object:
    """``json.loads`` with the same rule, for JSON inside JSON (a call's ``arguments``, where
    ``"\\ud800"`` arrives escaped twice and only becomes a surrogate here). Raises ValueError."""
    value = _loads(text)
    if "\\u" in text and SURROGATE_ESCAPE.search(text.encode(errors="replace")) is not None:
        return valid_text(value)
    return value


def valid_text(value: object) -> object:
    """``value`` with every lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {valid_text(k): valid_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [valid_text(v) for v in value]
    return value
