"""The built-in tools and the registry the engine looks them up in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from infercode.config.settings import Settings
from infercode.engine.events import JSON
from infercode.tools.base import Tool, ToolSpec
from infercode.tools.workspace import Workspace


class ToolSource(Protocol):
    """Tools that come and go during a session (MCP servers'), after the built-in ones."""

    def tools(self) -> list[Tool]: ...


class ToolRegistry:
    """Tools by name, in the order they were added (the order the model sees them in)."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._own: dict[str, Tool] = {}
        self._sources: list[ToolSource] = []
        for tool in tools:
            self.add(tool)

    @property
    def _tools(self) -> dict[str, Tool]:
        if not self._sources:
            return self._own
        merged = dict(self._own)
        for source in self._sources:
            for tool in source.tools():
                merged.setdefault(tool.spec.name, tool)
        return merged

    def attach(self, source: ToolSource) -> None:
        """Offer ``source``'s tools too, as they are at each request."""
        self._sources.append(source)

    def add(self, tool: Tool) -> None:
        name = tool.spec.name
        if name in self._own:
            raise ValueError(f"a tool named {name!r} is already registered")
        self._own[name] = tool

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[ToolSpec]:
        return [tool.spec for tool in self._tools.values()]

    def api_tools(self) -> list[JSON]:
        """The ``tools`` list of a Responses request."""
        return [spec.to_api() for spec in self.specs()]

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(list(self._tools.values()))

    def __len__(self) -> int:
        return len(self._tools)


def build_tools(workspace: Workspace, settings: Settings) -> ToolRegistry:
    """read_file, edit_file and shell, configured from ``settings``."""
    # Imported here so that importing ``infercode.tools.base`` (as the engine and history do)
    # does not pull in subprocess, selectors and difflib.
    from infercode.tools.edit import EditFileTool
    from infercode.tools.read import ReadFileTool
    from infercode.tools.shell import ShellTool

    return ToolRegistry(
        [
            ReadFileTool(workspace, max_chars=settings.output_limit("read_file")),
            EditFileTool(workspace, max_chars=settings.output_limit("edit_file")),
            ShellTool(
                workspace,
                default_timeout_s=settings.shell_timeout_s,
                max_timeout_s=settings.shell_max_timeout_s,
                output_limit=settings.output_limit("shell"),
            ),
        ]
    )
