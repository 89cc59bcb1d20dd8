"""Masking the API key wherever text leaves infercode.

Tool processes never get the key in their environment (``tools/child_env.py``), but a tool can
still come across it: the model reads a ``.env`` file, or prints ``/proc/$PPID/environ``. Then
the key is replaced by ``KEY_MASK`` in the tool's output before anything sees it: the model
(the next request), the screen, every output format, the session file and ``-o`` files.

Besides the key itself, the forms a command can turn it into and back are masked: reversed
(``rev``), base64 (standard and URL-safe, at each of the three byte alignments a key can have
inside encoded data) and hex. A key shorter than ``MIN_SECRET`` is not masked: replacing a short
string everywhere would mangle ordinary text and protects nothing.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

KEY_MASK = "[redacted API key]"
MIN_SECRET = 8


def _base64_forms(secret: bytes) -> set[str]:
    """Substrings that any base64 encoding of data containing ``secret`` contains.

    Encoded, the key starts at one of three offsets within a 3-byte group. For each, encode it
    behind that many filler bytes and keep only the characters that depend on key bytes alone:
    drop the first group when filler shares it, and the last when the key does not end a group.
    """
    forms: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + secret).decode("ascii")
        start = 4 if offset else 0
        end = len(encoded) - 4 if (offset + len(secret)) % 3 else len(encoded)
        core = encoded[start:end]
        if len(core) >= MIN_SECRET:
            forms.add(core)
            forms.add(core.replace("+", "-").replace("/", "_"))
    return forms


def secret_forms(secret: str) -> set[str]:
    """Every string that is masked for ``secret``."""
    raw = secret.encode("utf-8")
    forms = {secret, secret[::-1], raw.hex(), raw.hex().upper()}
    forms |= _base64_forms(raw)
    return {form for form in forms if len(form) >= MIN_SECRET}


class SecretMask:
    """Replaces the secrets (and their encoded forms) in text by ``KEY_MASK``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET:
                forms |= secret_forms(secret)
        # Longest first, so that a form containing another is replaced whole.
        self.forms = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, self.forms))) if self.forms else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def mask(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(KEY_MASK, text)

    def stream(self) -> StreamMask:
        return StreamMask(self)


class StreamMask:
    """Masks text that arrives in chunks (live tool output), where a secret can be split across
    two chunks: the end of a chunk that could be the start of a secret is held back until the
    next chunk (or ``flush``) shows whether it is one."""

    def __init__(self, mask: SecretMask) -> None:
        self._mask = mask
        self._held = ""

    def feed(self, text: str) -> str:
        if not self._mask:
            return text
        text = self._mask.mask(self._held + text)
        keep = self._partial_suffix(text)
        self._held = text[len(text) - keep :] if keep else ""
        return text[: len(text) - keep] if keep else text

    def flush(self) -> str:
        held, self._held = self._held, ""
        return self._mask.mask(held)

    def _partial_suffix(self, text: str) -> int:
        """The length of the longest end of ``text`` that a secret form starts with."""
        best = 0
        for form in self._mask.forms:
            # Candidates start with the form's first character, in its last len(form)-1
            # characters; the leftmost that matches is the longest for this form.
            index = text.find(form[0], max(len(text) - len(form) + 1, 0))
            while index != -1 and len(text) - index > best:
                if form.startswith(text[index:]):
                    best = len(text) - index
                    break
                index = text.find(form[0], index + 1)
        return best
