"""A bash command line as approval rules see it, from a real parse tree (tree-sitter-bash).

Two views of one parse:

- ``segments``: the simple commands of a *plain* line, as literal words. A line is plain when it
  is one simple command or a ``&&``/``||``/``;``/``|`` list of them, with no variable assignment,
  no redirection other than joining streams (``2>&1``) or discarding to ``/dev/null``, no
  substitution, subshell, background job, heredoc, comment or control structure, and every word
  provably literal (plain characters or quotes without expansion). Allow rules match only these.
- ``commands``: every command the parser found anywhere (inside substitutions, subshells, function
  bodies...), with each word's literal value or ``None`` when it is not literal. Deny rules look
  at all of them.

tree-sitter is imported on first use: only when a rule is checked or an "always" is offered.
Where tree-sitter and bash could disagree (a parse error, a backslash-newline, which tree-sitter
reads as a word break and bash deletes), the line is ``complete=False``: never plain, and deny
rules treat it as doubt.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

#: An unquoted word bash passes through unchanged: no glob (``*?[``), brace, ``$``, backslash,
#: quote or history character, and ``~`` only where it does not expand (``HEAD~1``, not ``~/x``
#: or ``a=~/x``). Anything else is not provably literal.
PLAIN_WORD = re.compile(r"(?!~)(?:[A-Za-z0-9_@%+,./^-]|[=:](?!~)|(?<![=:])~)+")
#: Inside double quotes only these would expand or unescape.
DOUBLE_QUOTE_ACTIVE = re.compile(r"[$`\\]")
#: Operators that may join the segments of a plain line (``|&`` is ``2>&1 |``).
LIST_OPERATORS = frozenset({"&&", "||", ";", "|", "|&"})
STATEMENT_TYPES = frozenset({"command", "list", "pipeline", "redirected_statement"})
REDIRECT_TYPES = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})


@dataclass(frozen=True, slots=True)
class Word:
    value: str | None
    """What bash passes to the program, or None when it depends on expansion."""


@dataclass(frozen=True, slots=True)
class Command:
    """One command found anywhere in the line: program and arguments (assignments and
    redirections left out)."""

    words: tuple[Word, ...]


@dataclass(frozen=True, slots=True)
class ParsedLine:
    complete: bool
    """The parser understood the whole line the way bash will."""
    segments: tuple[tuple[str, ...], ...] | None
    """The plain line's simple commands as literal words; None when the line is not plain."""
    commands: tuple[Command, ...]
    """Every command in the line, nested ones included."""


@functools.cache
def _parser() -> Parser:
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


@functools.lru_cache(maxsize=128)
def parse(line: str) -> ParsedLine:
    """The line as rules see it (cached: the engine and the approver ask about the same line)."""
    if "\0" in line or "\\\n" in line:
        return ParsedLine(complete=False, segments=None, commands=())
    source = line.encode("utf-8", "surrogatepass")
    try:
        root = _parser().parse(source).root_node
        complete = not root.has_error
        commands = tuple(_commands(root, source))
        segments = _plain_segments(root, source) if complete else None
    except (RecursionError, ValueError, UnicodeDecodeError):
        return ParsedLine(complete=False, segments=None, commands=())  # undecided: asked
    return ParsedLine(complete, segments, commands)


def literal(node: Node, source: bytes) -> str | None:
    """The value bash gives a word node, or None unless it is provably literal."""
    if node.type in ("word", "number"):
        text = _text(node, source)
        return text if PLAIN_WORD.fullmatch(text) else None
    if node.type == "raw_string":
        text = _text(node, source)
        return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else None
    if node.type == "string":
        text = _text(node, source)
        parts = []
        for child in node.children:
            if child.type == "string_content":
                content = _text(child, source)
                if DOUBLE_QUOTE_ACTIVE.search(content):
                    return None
                parts.append(content)
            elif child.type != '"':
                return None  # an expansion or substitution inside the quotes
        if not text.startswith('"') or not text.endswith('"') or len(text) < 2:
            return None
        joined = "".join(parts)
        # Content tree-sitter did not put in a child (it skips some) must not be lost.
        return joined if len(joined) == len(text) - 2 else None
    if node.type == "concatenation":
        values = [literal(child, source) for child in node.children]
        if any(v is None for v in values) or not _adjacent(node.children):
            return None
        return "".join(v for v in values if v is not None)
    return None


def _text(node: Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")


def _adjacent(nodes: list[Node]) -> bool:
    return all(a.end_byte == b.start_byte for a, b in itertools.pairwise(nodes))


def _gaps_are(node: Node, source: bytes, allowed: bytes) -> bool:
    """Only ``allowed`` bytes between the node's children: nothing the parser skipped over."""
    position = node.start_byte
    for child in node.children:
        if source[position : child.start_byte].strip(allowed):
            return False
        position = child.end_byte
    return not source[position : node.end_byte].strip(allowed)


def _command_words(node: Node, source: bytes) -> list[Node]:
    """The program and argument nodes of a ``command`` node, in order."""
    words = []
    for child in node.children:
        if child.type == "command_name":
            words.extend(child.named_children)
        elif child.is_named and child.type not in ("variable_assignment", *REDIRECT_TYPES):
            words.append(child)
    return words


def _commands(root: Node, source: bytes) -> list[Command]:
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "command":
            words = _command_words(node, source)
            found.append(Command(tuple(Word(literal(w, source)) for w in words)))
        stack.extend(reversed(node.children))
    return found


def _plain_segments(root: Node, source: bytes) -> tuple[tuple[str, ...], ...] | None:
    """The simple commands of a plain line, left to right; None if the line is not plain.

    Iterative: a chain of thousands of ``&&`` is a left-nested tree that recursion would not
    survive."""
    if not _gaps_are(root, source, b" \t\n"):
        return None
    segments: list[tuple[str, ...]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.id == root.id or node.type in ("list", "pipeline"):
            if node.id != root.id and not _gaps_are(node, source, b" \t\n"):
                return None
            children = []
            for child in node.children:
                if child.is_named:
                    if child.type not in STATEMENT_TYPES:
                        return None
                    children.append(child)
                elif child.type not in LIST_OPERATORS:
                    return None  # `&` (a background job), `!`, or anything else
            stack.extend(reversed(children))
            continue
        words = _simple_command(node, source)
        if words is None:
            return None
        segments.append(words)
    return tuple(segments) if segments else None


def _simple_command(node: Node, source: bytes) -> tuple[str, ...] | None:
    """The literal words of a plain command (possibly with harmless redirections), or None."""
    if node.type == "redirected_statement":
        body = node.child_by_field_name("body")
        if body is None or body.type != "command" or not _gaps_are(node, source, b" \t"):
            return None
        others = [c for c in node.children if c.id != body.id]
        if not all(_harmless_redirect(r, source) for r in others):
            return None
        node = body
    if node.type != "command" or not _gaps_are(node, source, b" \t"):
        return None
    words: list[str] = []
    for child in node.children:
        if child.type == "command_name":
            inner = child.named_children
            value = literal(inner[0], source) if len(inner) == 1 else None
        elif child.type in REDIRECT_TYPES:
            if not _harmless_redirect(child, source):
                return None
            continue
        else:
            value = literal(child, source)  # an assignment, substitution... is not literal
        if value is None:
            return None
        words.append(value)
    return tuple(words) if words else None


def _harmless_redirect(node: Node, source: bytes) -> bool:
    """``2>&1``, ``>&2`` (joining streams) and ``>/dev/null``, ``2>/dev/null``, ``&>/dev/null``:
    nothing is written, read or run. Every other redirection makes the line not plain."""
    if node.type != "file_redirect" or not _gaps_are(node, source, b" \t"):
        return False
    parts = [(c.type, _text(c, source)) for c in node.children]
    if parts and parts[0][0] == "file_descriptor":
        if not parts[0][1].isdigit():
            return False
        parts = parts[1:]
    if len(parts) != 2:
        return False
    (operator, _), (kind, target) = parts
    if operator in (">&", "<&"):
        return kind == "number" and target.isdigit()
    return operator in (">", "&>", ">>", "&>>") and kind == "word" and target == "/dev/null"
