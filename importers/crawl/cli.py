"""Run one crawl from a JSON configuration file and write its events as JSON lines.

    python -m importers.crawl.cli CONFIG.json OUT.jsonl [--limit N] [--settings JSON]

Each line is ``{"event": "item", "item": …}`` or ``{"event": "error", "error": …}`` in
the order they happened, then one ``{"event": "result", …}`` with stats and diagnostics.
Used by tests and for debugging a configuration; runs without Django.
"""

from __future__ import annotations

import argparse
import json
import sys

from .config import ConfigError, config_from_dict
from .runner import crawl


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m importers.crawl.cli")
    parser.add_argument("config", help="configuration JSON file (SourceConfig.to_dict())")
    parser.add_argument("output", help="JSON lines file to write")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--settings", default="{}", help="Scrapy settings overrides as JSON")
    args = parser.parse_args(argv)

    with open(args.config, encoding="utf-8") as handle:
        data = json.load(handle)
    try:
        config = config_from_dict(data)
        with open(args.output, "w", encoding="utf-8") as out:

            def write(event: str, payload) -> None:
                out.write(json.dumps({"event": event, event: payload}, ensure_ascii=False) + "\n")
                out.flush()

            result = crawl(
                config,
                limit=args.limit,
                on_item=lambda item: write("item", item),
                on_error=lambda err: write("error", err.to_dict()),
                settings_overrides=json.loads(args.settings),
            )
            out.write(json.dumps({"event": "result", **result.to_dict()}, ensure_ascii=False))
            out.write("\n")
    except ConfigError as exc:
        for message in exc.messages:
            print(message, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
