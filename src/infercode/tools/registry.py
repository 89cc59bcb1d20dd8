"""The built-in tools and the registry the engine looks them up in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from infercode.config.settings import Settings
from infercode.engine.events import JSON
from infercode.redact import SecretMask
from infercode.tools.base import Tool, ToolSpec
from infercode.tools.workspace import Workspace

if TYPE_CHECKING:
    from infercode.sandbox import Sandbox


class ToolSource(Protocol):
    """Tools that come and go during a session (MCP servers'), after the built-in ones."""

    def tools(self) -> list[Tool]: ...


class ToolRegistry:
    """Tools by name, in the order they were added (the order the model sees them in).

    With a ``mask``, every tool is wrapped so that its output never carries the API key (the
    tools a source offers too).
    """

    def __init__(self, tools: Iterable[Tool] = (), mask: SecretMask | None = None) -> None:
        self._own: dict[str, Tool] = {}
        self._sources: list[ToolSource] = []
        self._mask = mask
        for tool in tools:
            self.add(tool)

    @property
    def _tools(self) -> dict[str, Tool]:
        if not self._sources:
            return self._own
        merged = dict(self._own)
        for source in self._sources:
            for tool in source.tools():
                if tool.spec.name not in merged:
                    merged[tool.spec.name] = self._masked(tool)
        return merged

    def attach(self, source: ToolSource) -> None:
        """Offer ``source``'s tools too, as they are at each request."""
        self._sources.append(source)

    def add(self, tool: Tool) -> None:
        name = tool.spec.name
        if name in self._own:
            raise ValueError(f"a tool named {name!r} is already registered")
        self._own[name] = self._masked(tool)

    def _masked(self, tool: Tool) -> Tool:
        if not self._mask:
            return tool
        from infercode.tools.masked import MaskedTool

        return MaskedTool(tool, self._mask)

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[ToolSpec]:
        return [tool.spec for tool in self._tools.values()]

    def api_tools(self, after_builtin: Sequence[ToolSpec] = ()) -> list[JSON]:
        """The ``tools`` list of a Responses request: the built-in tools, ``after_builtin`` (the
        engine's own ``update_plan``), then the sources' tools. Tools a source adds later come
        last, so the list before them stays byte-identical (prompt caches key on the prefix)."""
        own = [tool.spec for tool in self._own.values()]
        taken = {spec.name for spec in own}
        extra = [spec for spec in after_builtin if spec.name not in taken]
        rest = [spec for spec in self.specs() if spec.name not in taken]
        return [spec.to_api() for spec in (*own, *extra, *rest)]

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(list(self._tools.values()))

    def __len__(self) -> int:
        return len(self._tools)


def build_tools(
    workspace: Workspace, settings: Settings, sandbox: Sandbox | None = None
) -> ToolRegistry:
    """read_file, glob, grep, edit_file and shell, configured from ``settings``; shell commands
    run in ``sandbox`` when one is given."""
    # Imported here so that importing ``infercode.tools.base`` (as the engine and history do)
    # does not pull in subprocess, selectors and difflib.
    from infercode.tools.child_env import ChildEnv
    from infercode.tools.edit import EditFileTool
    from infercode.tools.glob import GlobTool
    from infercode.tools.grep import GrepTool
    from infercode.tools.read import ReadFileTool
    from infercode.tools.ripgrep import find_rg
    from infercode.tools.shell import ShellTool

    return ToolRegistry(
        [
            ReadFileTool(workspace, max_chars=settings.output_limit("read_file")),
            GlobTool(workspace),
            GrepTool(workspace, max_chars=settings.output_limit("grep"), rg=find_rg()),
            EditFileTool(workspace, max_chars=settings.output_limit("edit_file")),
            ShellTool(
                workspace,
                default_timeout_s=settings.shell_timeout_s,
                max_timeout_s=settings.shell_max_timeout_s,
                output_limit=settings.output_limit("shell"),
                env=ChildEnv.for_settings(settings),
                sandbox=sandbox,
            ),
        ],
        mask=SecretMask([settings.api_key]),
    )
