"""Shell allow rules, deny rules and the "always" offer, all on the parse in ``shell.parse``.

A rule is a token prefix (``git status``, ``python3 -m pytest``), kept and shown as text that
splits back into the same words (``shlex.join``). It is compared word by word with the literal
words of a command, never with ``str.startswith``: ``git status`` does not match ``git statusx``.

- Allow: a command line is approved by rules only when it is plain (see ``shell.parse``) and
  every segment starts with some rule.
- Deny: a rule refuses the line when any command in it (nested ones included) starts with the
  rule, also after a wrapper (``timeout 5 git push``, ``sudo git push``) or inside a shell string
  (``bash -c 'git push'``). What a deny rule cannot decide (an unparsable line, a variable where
  the rule's words would be, the rule's words further along or inside interpreter code) is
  *doubt*: the line is asked about even when allow rules or ``--yes`` would have run it.
- Offer: the narrowest prefix worth remembering, or none with the reason (``shell.offer``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from infercode.shell.parse import Word, parse


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Programs that run another command given in their arguments: a rule for one of them alone
#: would approve every program, so none is offered, and deny rules look past them.
WRAPPERS = _names(
    """env timeout nice ionice nohup sudo doas su xargs exec eval command builtin time stdbuf
    setsid chroot watch flock unbuffer strace ltrace taskset chrt runuser script coproc
    npx uvx bunx pnpx find parallel ssh busybox systemd-run nsenter unshare firejail"""
)
#: Builtins that change what later commands in the same line do (``hash -p ./evil git``,
#: ``alias``, ``source FILE``, ``cd``): never offered, since a chain of rules could combine them.
SHELL_STATE = _names(
    """alias unalias shopt set hash enable trap source . cd pushd popd export declare typeset
    readonly local unset umask ulimit"""
)
#: Shells: ``-c STRING`` runs the string, any other argument a script file.
SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "mksh", "fish", "ash", "tcsh", "csh"})
#: Interpreters: with a script (``python3 tool.py``, ``python3 -m pytest``) the script is the
#: scope; code on the command line (``-c``, ``-e``) or a bare interpreter gets no offer.
INTERPRETERS = _names(
    """python python3 python2 pypy pypy3 node nodejs ruby perl php lua luajit Rscript R
    julia tclsh osascript pwsh powershell"""
)
#: Programs whose arguments are code (``sed 'e cmd'``, ``awk 'BEGIN{system(...)}'``).
CODE_ARGUMENT_PROGRAMS = frozenset({"sed", "gsed", "awk", "gawk", "mawk", "nawk", "jq", "vim"})
#: Flags after which an interpreter's next word is code.
INLINE_CODE_FLAGS = frozenset({"-c", "-e", "-E", "-r", "-p", "--eval", "--print", "--command"})
#: Programs that delete, move, overwrite, change permissions or talk to other machines: whatever
#: follows the prefix is the target, so every call is asked about.
DESTRUCTIVE = _names(
    """rm rmdir mv cp dd ln touch chmod chown chgrp chattr truncate shred install mkfs mount umount
    kill pkill killall reboot shutdown tee curl wget scp sftp rsync nc ncat netcat socat
    ftp telnet crontab at"""
)
#: Programs whose first word is a subcommand: a rule covers program *and* subcommand.
SUBCOMMAND_PROGRAMS = _names(
    """git npm pnpm yarn bun cargo go uv pip pip3 pipx poetry docker podman kubectl make
    dotnet gradle mvn bundle rake hatch pdm pipenv conda brew apt apt-get systemctl gh
    terraform helm ruff pre-commit tox nox deno rustup"""
)
#: ``PROGRAM SUBCOMMAND`` pairs that run the command after them: the offer is the pair plus
#: the offer for that command (``uv run pytest``), none if the command gets none.
RUNNERS = frozenset(
    {
        ("uv", "run"),
        ("poetry", "run"),
        ("pdm", "run"),
        ("hatch", "run"),
        ("pipenv", "run"),
        ("bundle", "exec"),
    }
)
#: Pairs that run arbitrary downloaded or containerised code: never offered.
OPAQUE_SUBCOMMANDS = frozenset(
    {
        ("npm", "exec"),
        ("pnpm", "exec"),
        ("pnpm", "dlx"),
        ("yarn", "dlx"),
        ("yarn", "exec"),
        ("bun", "x"),
        ("pipx", "run"),
        ("uv", "tool"),
        ("docker", "run"),
        ("docker", "exec"),
        ("podman", "run"),
        ("podman", "exec"),
        ("kubectl", "exec"),
        ("conda", "run"),
        ("go", "generate"),
        ("deno", "eval"),
    }
)
#: Pairs whose next word names what runs (``npm run test``): it is part of the offer.
NAMED_SCRIPTS = frozenset(
    {("npm", "run"), ("pnpm", "run"), ("yarn", "run"), ("bun", "run"), ("deno", "run")}
)
#: Options that take no value and change nothing about what a subcommand does.
NEUTRAL_OPTIONS = {"git": frozenset({"--no-pager", "-P", "--no-optional-locks"})}


def rule_words(rule: str) -> tuple[str, ...]:
    """A saved rule as words (the inverse of ``rule_text``)."""
    try:
        return tuple(shlex.split(rule))
    except ValueError:
        return ()  # an unbalanced quote in a config rule: a rule that matches nothing


def rule_text(words: Sequence[str]) -> str:
    """How a rule is saved and shown: words that split back into exactly ``words``."""
    return shlex.join(words)


def program_name(word: str) -> str:
    """``/usr/bin/env`` and ``.venv/bin/python3`` are ``env`` and ``python3`` to the lists."""
    return word.rsplit("/", 1)[-1]


def rule_problem(words: Sequence[str]) -> str | None:
    """Why an allow rule from config is refused, or None (a wrapper or shell alone)."""
    if not words:
        return "an empty rule"
    name = program_name(words[0])
    if name in SHELL_STATE:
        return f"`{words[0]}` changes how the commands after it run; it cannot be a rule"
    if len(words) == 1 and (name in WRAPPERS or name in SHELLS or name in INTERPRETERS):
        return (
            f"`{words[0]}` runs whatever command or code it is given, so a rule for it alone "
            'would approve anything; name the whole prefix (e.g. "timeout 60 pytest")'
        )
    return None


# --- allow ---------------------------------------------------------------------------------


def starts_with(words: Sequence[str], rule: Sequence[str]) -> bool:
    return bool(rule) and tuple(words[: len(rule)]) == tuple(rule)


def allowed_by(line: str, rules: Iterable[str]) -> str | None:
    """The first rule that makes ``line`` approved (every segment matches some rule), or None."""
    prefixes = [w for w in (rule_words(r) for r in rules) if w]
    if not prefixes:
        return None
    segments = parse(line).segments
    if segments is None:
        return None
    used: list[tuple[str, ...]] = []
    for segment in segments:
        match = next((p for p in prefixes if starts_with(segment, p)), None)
        if match is None:
            return None
        used.append(match)
    return ", ".join(rule_text(p) for p in dict.fromkeys(used))


# --- deny ----------------------------------------------------------------------------------

Verdict = Literal["deny", "doubt", "clear"]
_RANK: dict[Verdict, int] = {"clear": 0, "doubt": 1, "deny": 2}
MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class DenyCheck:
    verdict: Verdict
    rule: str = ""
    reason: str = ""


CLEAR = DenyCheck("clear")


def deny_check(line: str, rules: Iterable[str]) -> DenyCheck:
    """What the deny rules say about ``line``: ``deny`` (refuse), ``doubt`` (ask) or ``clear``."""
    prefixes = [w for w in (rule_words(r) for r in rules) if w]
    if not prefixes:
        return CLEAR
    return _check_line(line, prefixes, 0)


def _worse(a: DenyCheck, b: DenyCheck) -> DenyCheck:
    return b if _RANK[b.verdict] > _RANK[a.verdict] else a


def _check_line(line: str, prefixes: list[tuple[str, ...]], depth: int) -> DenyCheck:
    if depth > MAX_DEPTH:
        return DenyCheck("doubt", reason="shell strings nest too deeply to check")
    parsed = parse(line)
    if not parsed.complete:
        return DenyCheck("doubt", reason="the command could not be parsed for certain")
    result = CLEAR
    for command in parsed.commands:
        result = _worse(result, _check_command(command.words, prefixes, depth))
        if result.verdict == "deny":
            break
    return result


def _check_command(
    words: tuple[Word, ...], prefixes: list[tuple[str, ...]], depth: int
) -> DenyCheck:
    if not words:
        return CLEAR
    values = [w.value for w in words]
    first = program_name(values[0]) if values[0] is not None else None
    wrapped = first in WRAPPERS
    result = CLEAR
    for prefix in prefixes:
        shown = rule_text(prefix)
        # Where the rule could start: the program, or any word after a wrapper.
        starts = range(len(values)) if wrapped else range(1)
        for start in starts:
            exact = _compare(values[start:], prefix)
            if exact == "deny":
                return DenyCheck("deny", shown, f"`{shown}` is denied by a deny_shell rule")
            if exact == "doubt":
                result = _worse(
                    result, DenyCheck("doubt", shown, "a word the rule depends on is a variable")
                )
        result = _worse(result, _loose_match(values, prefix, shown))
    if first in SHELLS or first == "eval" or wrapped:
        result = _worse(result, _nested(words, first, prefixes, depth))
    if first in INTERPRETERS and _runs_unseen_code(values[1:]):
        result = _worse(
            result,
            DenyCheck("doubt", reason=f"`{first}` runs code a deny rule cannot read"),
        )
    return result


def _runs_unseen_code(arguments: Sequence[str | None]) -> bool:
    """Code on the command line (``-c``, ``-e``) or from the input (no script named)."""
    if any(v in INLINE_CODE_FLAGS for v in arguments):
        return True
    if any(v in ("--version", "-V", "--help", "-h") for v in arguments):
        return False
    return all(v is not None and (v == "-" or v.startswith("-")) for v in arguments)


def _compare(values: Sequence[str | None], prefix: tuple[str, ...]) -> Verdict:
    """``deny`` when ``values`` start with ``prefix``; ``doubt`` when an unknown word comes first
    (``$CMD push`` could be ``git push``); ``clear`` at the first literal mismatch."""
    for index, expected in enumerate(prefix):
        if index >= len(values):
            return "clear"
        value = values[index]
        if value is None:
            return "doubt"  # an unquoted expansion may also split into several words
        if value != expected:
            return "clear"
    return "deny"


def _loose_match(values: Sequence[str | None], prefix: tuple[str, ...], shown: str) -> DenyCheck:
    """The rule's words further along (``git -C sub push``, ``echo git push``), or its text inside
    one argument (``python3 -c "...git push..."``): not certain, so asked about."""
    literal = [v for v in values if v is not None]
    if _in_order(literal, prefix):
        return DenyCheck("doubt", shown, f"the words of the deny rule `{shown}` appear in it")
    needle = " ".join(prefix)
    if any(needle in " ".join(v.split()) for v in literal):
        return DenyCheck("doubt", shown, f"the text of the deny rule `{shown}` appears in it")
    return CLEAR


def _in_order(values: list[str], prefix: tuple[str, ...]) -> bool:
    """``prefix[0]`` is one of the words, and the rest follow it in order (gaps allowed).
    Matching from the first occurrence is enough (it leaves the longest tail): linear time."""
    try:
        start = values.index(prefix[0])
    except ValueError:
        return False
    rest = iter(values[start + 1 :])
    return all(any(v == word for v in rest) for word in prefix[1:])


def _nested(
    words: tuple[Word, ...], first: str | None, prefixes: list[tuple[str, ...]], depth: int
) -> DenyCheck:
    """Command lines run by this command: ``bash -c STRING``, ``eval WORDS``, a shell or eval
    after a wrapper (``sudo sh -c ...``), and any argument of a wrapper that parses as a line
    containing a denied command (``ssh host 'git push'``, ``su -c 'git push'``)."""
    values = [w.value for w in words]
    if first == "eval":
        if any(v is None for v in values[1:]):
            return DenyCheck("doubt", reason="eval of a value that is not literal")
        return _check_line(" ".join(v or "" for v in values[1:]), prefixes, depth + 1)
    if first in SHELLS:
        return _shell_string(values, prefixes, depth)
    result = CLEAR
    for start in range(1, len(words)):
        value = values[start]
        if value is None:
            continue
        if program_name(value) in SHELLS or value == "eval":
            result = _worse(result, _check_command(words[start:], prefixes, depth + 1))
        elif any(ch in value for ch in " \t\n;&|"):
            nested = _check_line(value, prefixes, depth + 1)
            if nested.verdict == "deny":
                return nested  # an argument that is not shell syntax is no doubt by itself
        if result.verdict == "deny":
            break
    return result


SHELL_C_OPTION = re.compile(r"-[A-Za-z]*c[A-Za-z]*")


def _shell_string(
    values: list[str | None], prefixes: list[tuple[str, ...]], depth: int
) -> DenyCheck:
    """``bash [options] -c STRING``: check STRING as a line. A script file is not looked into."""
    for index, value in enumerate(values[1:], 1):
        if value is None:
            return DenyCheck("doubt", reason="a shell is given arguments that are not literal")
        if SHELL_C_OPTION.fullmatch(value):
            script = values[index + 1] if index + 1 < len(values) else ""
            if script is None:
                return DenyCheck("doubt", reason="a shell runs a string that is not literal")
            return _check_line(script, prefixes, depth + 1)
        if not value.startswith(("-", "+")):
            return CLEAR  # a script file: not looked into (a documented limit)
    return DenyCheck("doubt", reason="a shell reads its commands from its input")
