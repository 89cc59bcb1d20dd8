"""Glob patterns as the search tools read them: ``*``, ``?``, ``[abc]``, ``**`` and ``{a,b}``.

``*`` and ``?`` never cross a ``/``; ``**`` as a whole path part matches any number of
directories (``src/**/*.py`` includes ``src/a.py``). Braces expand (``*.{ts,tsx}``), since models
write them as often as people do. Dotfiles are matched like any other name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infercode.errors import ToolError

MAX_EXPANSIONS = 64


def expand_braces(pattern: str) -> list[str]:
    """``a{b,c}d`` -> ``[abd, acd]``, nested too; unbalanced braces stay literal."""
    depth = 0
    start = -1
    for index, char in enumerate(pattern):
        if char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                options = _split_top(pattern[start + 1 : index])
                head, tail = pattern[:start], pattern[index + 1 :]
                expanded: list[str] = []
                for option in options:
                    expanded += expand_braces(head + option + tail)
                    if len(expanded) > MAX_EXPANSIONS:
                        raise ToolError(f"The pattern expands to more than {MAX_EXPANSIONS} globs.")
                return expanded
    return [pattern]


def _split_top(inner: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current = ""
    for char in inner:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        current += char
    return [*parts, current]


def _part_regex(part: str) -> str:
    out = ""
    index = 0
    while index < len(part):
        char = part[index]
        if char == "*":
            while index + 1 < len(part) and part[index + 1] == "*":
                index += 1  # "a**b" inside a part is just "*"
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            negated = part[index + 1 : index + 2] in ("!", "^")
            end = part.find("]", index + (3 if negated else 2))  # "[]...]" holds a "]"
            if end == -1:
                out += re.escape(char)
            else:
                body = part[index + 1 : end]
                negate = body[:1] in ("!", "^")
                body = body[1:] if negate else body
                # escape what Python would read as a nested set or a set operation
                body = "".join("\\" + c if c in "\\[&~|" else c for c in body)
                out += "[" + ("^/" if negate else "") + body + "]"
                index = end
        else:
            out += re.escape(char)
        index += 1
    return out


def _single_regex(pattern: str) -> str:
    parts = pattern.split("/")
    out = ""
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            out += ".*" if last else "(?:[^/]+/)*"
        else:
            out += _part_regex(part) + ("" if last else "/")
    return out


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex that full-matches the relative POSIX paths ``pattern`` matches."""
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if not pattern:
        raise ToolError("The glob pattern is empty.")
    alternatives = [_single_regex(p.rstrip("/") or p) for p in expand_braces(pattern)]
    try:
        return re.compile("(?:" + "|".join(alternatives) + ")", re.DOTALL)
    except re.error as error:
        raise ToolError(f"Invalid glob pattern {pattern!r}: {error}.") from None


@dataclass(frozen=True)
class PathFilter:
    """grep's ``glob`` parameter, read as ripgrep's ``-g``: without a ``/`` it matches the file
    name at any depth (``*.py``); with one, the path from the workspace root (``src/**/*.ts``);
    a leading ``!`` excludes instead."""

    regex: re.Pattern[str]
    basename: bool
    exclude: bool

    @classmethod
    def parse(cls, glob: str) -> PathFilter:
        text = glob.strip()
        exclude = text.startswith("!")
        text = text[1:] if exclude else text
        text = text.removeprefix("/")
        return cls(glob_regex(text), "/" not in text.rstrip("/"), exclude)

    def accepts(self, rel: str) -> bool:
        subject = rel.rsplit("/", 1)[-1] if self.basename else rel
        return bool(self.regex.fullmatch(subject)) != self.exclude
