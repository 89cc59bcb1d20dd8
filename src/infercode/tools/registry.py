"""The built-in tools and the registry the engine looks them up in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from infercode.config.settings import Settings
from infercode.engine.events import JSON
from infercode.redact import SecretMask
from infercode.tools.base import Tool, ToolSpec
from infercode.tools.workspace import Workspace

if TYPE_CHECKING:
    from infercode.sandbox import Sandbox


class ToolRegistry:
    """Tools by name, in the order they were added (the order the model sees them in).

    With a ``mask``, every tool added is wrapped so that its output never carries the API key.
    """

    def __init__(self, tools: Iterable[Tool] = (), mask: SecretMask | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        self._mask = mask
        for tool in tools:
            self.add(tool)

    def add(self, tool: Tool) -> None:
        name = tool.spec.name
        if name in self._tools:
            raise ValueError(f"a tool named {name!r} is already registered")
        if self._mask:
            from infercode.tools.masked import MaskedTool

            tool = MaskedTool(tool, self._mask)
        self._tools[name] = tool

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
