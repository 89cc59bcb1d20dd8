"""A tool whose every output has the API key masked (``infercode.redact``).

The registry wraps each tool it is given, so a tool added later (an MCP server's) is masked the
same way. Masking happens here, at the source, so the key never enters the history: not the
request sent back to the model, not the session file, not any front-end or output format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from infercode.engine.events import JSON
from infercode.errors import ToolError
from infercode.redact import SecretMask
from infercode.tools.base import PreparedCall, Tool, ToolContext, ToolResult


class MaskedTool:
    def __init__(self, tool: Tool, mask: SecretMask) -> None:
        self.tool = tool
        self.spec = tool.spec
        self._mask = mask

    def prepare(self, args: JSON) -> PreparedCall:
        mask = self._mask.mask
        try:
            call = self.tool.prepare(args)
        except ToolError as error:
            raise ToolError(mask(str(error))) from None
        return replace(
            call,
            summary=mask(call.summary),
            detail=mask(call.detail),
            execute=self._masked(call.execute),
        )

    def _masked(
        self, execute: Callable[[ToolContext], ToolResult]
    ) -> Callable[[ToolContext], ToolResult]:
        mask = self._mask

        def run(ctx: ToolContext) -> ToolResult:
            stream = mask.stream()

            def emit(text: str) -> None:
                shown = stream.feed(text)
                if shown:
                    ctx.emit(shown)

            try:
                result = execute(ToolContext(emit=emit, cancelled=ctx.cancelled))
            except ToolError as error:
                raise ToolError(mask.mask(str(error))) from None
            finally:
                rest = stream.flush()
                if rest:
                    ctx.emit(rest)
            return replace(
                result, output=mask.mask(result.output), summary=mask.mask(result.summary)
            )

        return run
