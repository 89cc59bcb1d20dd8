"""The package layers of ARCHITECTURE.md, enforced: imports point down, and no module cycles.

Every ``import`` in every module counts, including those inside functions (a lazy import is still
a dependency) and under ``TYPE_CHECKING`` (for the layer rules; not for cycles, which only bite at
run time).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import infercode

SRC = Path(infercode.__file__).parent
BASE = (
    "infercode",
    "infercode.errors",
    "infercode.formatting",
    "infercode.redact",
    "infercode.private_paths",
    "infercode.url_secrets",
    "infercode.shell",
)

#: What each layer may import from infercode (besides itself and the base modules).
ALLOWED: dict[str, tuple[str, ...]] = {
    "base": (),
    "infercode.config": (),
    "infercode.sandbox": (),
    "infercode.engine": (
        "infercode.tools.base",
        "infercode.tools.registry",
        "infercode.tools.workspace",
    ),
    "infercode.tools": (
        "infercode.engine.events",
        "infercode.config",
        "infercode.sandbox",
        "infercode.git.safety",  # the flags every git call of infercode's carries
    ),
    "infercode.api": ("infercode.engine", "infercode.config"),
    "infercode.store": ("infercode.engine", "infercode.config", "infercode.tools.workspace"),
    "infercode.git": ("infercode.engine", "infercode.config"),
    "infercode.ui": (
        "infercode.engine",
        "infercode.config",
        "infercode.store",
        "infercode.git",
        "infercode.sandbox",  # the sandbox service's type, for /sandbox
        "infercode.tools.walk",
    ),
    "infercode.hooks": (
        "infercode.engine",
        "infercode.config",
        "infercode.tools.child_env",
    ),
    "infercode.cli": ("infercode",),
    "infercode.__main__": ("infercode.cli",),
}
#: Third-party packages only one layer may import: the SDK in api/, terminal libraries in ui/ and
#: cli/ (the engine never prints, never reads a key), the MCP SDK in one module of tools/mcp/.
FOREIGN: dict[str, tuple[str, ...]] = {
    "openai": ("infercode.api",),
    "httpx": ("infercode.api",),
    "rich": ("infercode.ui",),
    "prompt_toolkit": ("infercode.ui",),
    "typer": ("infercode.cli",),
    "mcp": ("infercode.tools.mcp.client",),
    "mcp_types": ("infercode.tools.mcp.client",),
    "tomlkit": ("infercode.cli",),
}


def module_name(path: Path) -> str:
    parts = ["infercode", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in SRC.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, known: dict[str, Path]) -> Iterator[tuple[str, bool]]:
    """(imported module, only for type checking) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.body:
                typing_only.update(id(n) for n in ast.walk(child))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in typing_only
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                # ``from infercode.ui.repl import confirm`` imports the module confirm
                yield (sub if sub in known else node.module), id(node) in typing_only


def layer(name: str) -> str | None:
    if within(name, BASE[1:]):
        return "base"
    for prefix in ALLOWED:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_every_import_points_down_the_layers() -> None:
    known = modules()
    wrong = []
    for name, path in sorted(known.items()):
        own = layer(name)
        for target, _typing in imports(path, known):
            top = target.split(".")[0]
            if top in FOREIGN and not within(name, (*FOREIGN[top], "infercode.cli")):
                wrong.append(f"{name} imports {target}")
            if not target.startswith("infercode") or within(target, BASE[1:]) or target == BASE[0]:
                continue
            if own is None:
                wrong.append(f"{name} (no layer) imports {target}")
            elif not within(target, (own, *ALLOWED[own])):
                wrong.append(f"{name} imports {target}")
    assert not wrong, "imports against the layers of ARCHITECTURE.md:\n" + "\n".join(wrong)


def test_no_import_cycles() -> None:
    known = modules()
    graph = {
        name: {t for t, typing in imports(path, known) if t in known and not typing and t != name}
        for name, path in known.items()
    }
    # a package's __init__ is imported with each of its modules; it imports none of ours here
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_rules_see_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    """The checker itself: an import inside a function or under TYPE_CHECKING is found."""
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from infercode.ui import x\n"
        "def f():\n    import infercode.cli.main\n"
    )
    found = set(imports(module, {}))
    assert ("infercode.ui", True) in found and ("infercode.cli.main", False) in found
