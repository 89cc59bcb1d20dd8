"""The "always" offer: the narrowest prefix of a command worth remembering as a rule, or none
with the reason (wrappers, interpreters, chains, builtins that change later commands...)."""

from __future__ import annotations

from dataclasses import dataclass

from infercode.shell.parse import parse
from infercode.shell.rules import (
    CODE_ARGUMENT_PROGRAMS,
    DESTRUCTIVE,
    INTERPRETERS,
    NAMED_SCRIPTS,
    NEUTRAL_OPTIONS,
    OPAQUE_SUBCOMMANDS,
    RUNNERS,
    SHELL_STATE,
    SHELLS,
    SUBCOMMAND_PROGRAMS,
    WRAPPERS,
    program_name,
    rule_text,
)


@dataclass(frozen=True, slots=True)
class Offer:
    prefix: str | None
    """The rule "always" would save, as shown; None when nothing is offered."""
    reason: str = ""
    """Why nothing is offered."""


def offer(line: str) -> Offer:
    """The narrowest prefix of ``line`` worth an "always", or why there is none."""
    parsed = parse(line)
    if parsed.segments is None:
        return Offer(
            None,
            "not one plain command (it has variables, redirection, substitution or syntax "
            "a rule cannot vouch for)",
        )
    if len(parsed.segments) != 1:
        return Offer(None, "it chains several commands; a rule covers one")
    words = parsed.segments[0]
    prefix, reason = _prefix(words)
    if prefix and not all(word.isprintable() for word in prefix):
        # A rule is shown exactly as saved: one with control or bidi characters cannot be.
        return Offer(None, "its words hold characters that cannot be shown as they are")
    return Offer(rule_text(prefix), "") if prefix else Offer(None, reason)


def _prefix(words: tuple[str, ...]) -> tuple[tuple[str, ...] | None, str]:
    program = words[0]
    name = program_name(program)
    if name in WRAPPERS or name in SHELLS:
        return None, f"`{name}` runs whatever command it is given"
    if name in SHELL_STATE:
        return None, f"`{name}` changes how the commands after it run"
    if name in INTERPRETERS:
        return _interpreter_prefix(words)
    if name in CODE_ARGUMENT_PROGRAMS:
        return None, f"`{name}` runs code given in its arguments"
    if name in DESTRUCTIVE:
        return None, f"`{name}` acts on whatever follows it; each call is asked about"
    if name not in SUBCOMMAND_PROGRAMS:
        return words[:1], ""
    neutral = NEUTRAL_OPTIONS.get(name, frozenset())
    index = 1
    while index < len(words) and words[index] in neutral:
        index += 1
    if index >= len(words):
        return None, f"a rule for `{name}` alone would cover all of its subcommands"
    if words[index].startswith("-"):
        # An option before the subcommand may take a value (`git -C sub status`): the offer is
        # the whole command, never the program alone.
        return words, ""
    pair = (name, words[index])
    if pair in OPAQUE_SUBCOMMANDS:
        return None, f"`{name} {pair[1]}` runs whatever it is given"
    if pair in RUNNERS:
        rest = words[index + 1 :]
        if not rest or rest[0].startswith("-"):
            return None, f"`{name} {pair[1]}` runs whatever command it is given"
        inner, reason = _prefix(rest)
        return (words[: index + 1] + inner if inner else None), reason
    if pair in NAMED_SCRIPTS and index + 1 < len(words) and not words[index + 1].startswith("-"):
        return words[: index + 2], ""
    return words[: index + 1], ""


def _interpreter_prefix(words: tuple[str, ...]) -> tuple[tuple[str, ...] | None, str]:
    name = program_name(words[0])
    if len(words) >= 3 and words[1] == "-m" and not words[2].startswith("-"):
        module = words[2]
        if module in SUBCOMMAND_PROGRAMS and len(words) > 3 and not words[3].startswith("-"):
            return words[:4], ""  # python3 -m pip install
        if module in SUBCOMMAND_PROGRAMS or module in WRAPPERS:
            return None, f"`{name} -m {module}` alone would cover all it can do"
        return words[:3], ""
    if len(words) >= 2 and not words[1].startswith("-"):
        return words[:2], ""  # the script: python3 tools/gen.py
    return None, f"`{name}` runs code given on its command line"
