"""MCP servers' tools behind the same contract as the built-in ones.

``names``, ``schema`` and ``results`` are pure; ``client`` (the only importer of the ``mcp`` SDK)
runs the servers on a loop of its own; ``tools`` turns what they list into registry tools.
"""
