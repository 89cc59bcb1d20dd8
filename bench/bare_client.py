"""The baseline client: a bare httpx2 + json loop over the same SSE stream, nothing else.

    python bench/bare_client.py URL [--stream]

POSTs a minimal streamed request to URL/responses, decodes every ``data:`` line with json, joins
the ``response.output_text.delta`` texts and prints them at the end (``--stream``: each delta as
it arrives, flushed, like ``--output-format stream-json``).
"""

from __future__ import annotations

import json
import sys

import httpx2


def main(argv: list[str]) -> int:
    url = argv[0].rstrip("/") + "/responses"
    live = "--stream" in argv
    body = {"model": "MiniMax-M2.5", "input": "hi", "stream": True, "store": False}
    parts: list[str] = []
    out = sys.stdout
    with httpx2.Client(timeout=60) as client, client.stream("POST", url, json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            if event.get("type") == "response.output_text.delta":
                parts.append(event["delta"])
                if live:
                    out.write(json.dumps({"type": "text_delta", "text": event["delta"]}) + "\n")
                    out.flush()
            elif event.get("type") == "response.completed":
                break
    out.write("".join(parts).rstrip("\n") + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
