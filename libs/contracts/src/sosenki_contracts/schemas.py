"""Write the JSON Schema of every event and command payload, and of both envelopes, into the repo.

    python -m sosenki_contracts.schemas          # (re)write libs/contracts/schemas
    python -m sosenki_contracts.schemas --check  # exit 1 if the committed files are out of date

The files are the wire contract for anyone not using this package. They are deterministic (sorted
keys, two-space indent, trailing newline), so a diff shows exactly what changed in the contract.
This is the only module in the package that does I/O.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sosenki_contracts.envelope import CommandEnvelope, EventEnvelope
from sosenki_contracts.registry import all_commands, all_events

# libs/contracts/schemas, found from this file (src/sosenki_contracts/schemas.py), not from cwd.
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
GENERATE_COMMAND = "uv run python -m sosenki_contracts.schemas"

_JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _schema(model: type[BaseModel], extra: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    return {"$schema": _JSON_SCHEMA_DIALECT, **extra, **schema}


def _dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_schemas() -> dict[str, str]:
    """Every schema file, as {path relative to the schema directory (POSIX): file content}."""
    files: dict[str, str] = {
        "envelope.event.json": _dump(_schema(EventEnvelope, {})),
        "envelope.command.json": _dump(_schema(CommandEnvelope, {})),
    }
    for kind, table in (("events", all_events()), ("commands", all_commands())):
        for (name, version), model in table.items():
            extra = {"x-message-kind": kind[:-1], "x-type": name, "x-version": version}
            files[f"{kind}/{name}.v{version}.json"] = _dump(_schema(model, extra))
    return dict(sorted(files.items()))


def _existing(out_dir: Path) -> set[str]:
    found = {p.name for p in out_dir.glob("*.json")}
    for sub in ("events", "commands"):
        found |= {f"{sub}/{p.name}" for p in (out_dir / sub).glob("*.json")}
    return found


def check_schemas(out_dir: Path = SCHEMA_DIR) -> list[str]:
    """What is wrong with the files in ``out_dir``: one line per stale, missing or extra file."""
    expected = render_schemas()
    problems: list[str] = []
    for rel, content in expected.items():
        path = out_dir / rel
        if not path.is_file():
            problems.append(f"missing: {rel}")
        elif path.read_text(encoding="utf-8") != content:
            problems.append(f"stale: {rel}")
    problems += [f"extra: {rel}" for rel in sorted(_existing(out_dir) - expected.keys())]
    return problems


def write_schemas(out_dir: Path = SCHEMA_DIR) -> list[str]:
    """Bring ``out_dir`` up to date (also deleting schema files nobody registers any more).

    Returns the relative paths written or deleted.
    """
    expected = render_schemas()
    changed: list[str] = []
    for rel, content in expected.items():
        path = out_dir / rel
        if path.is_file() and path.read_text(encoding="utf-8") == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        changed.append(rel)
    for rel in sorted(_existing(out_dir) - expected.keys()):
        (out_dir / rel).unlink()
        changed.append(rel)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sosenki_contracts.schemas",
        description="Write (or check) the JSON Schemas of all events, commands and envelopes.",
    )
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if out of date")
    parser.add_argument("--out", type=Path, default=SCHEMA_DIR, help=f"default: {SCHEMA_DIR}")
    args = parser.parse_args(argv)
    out_dir: Path = args.out

    if args.check:
        problems = check_schemas(out_dir)
        if problems:
            print(f"JSON Schemas in {out_dir} are out of date:", file=sys.stderr)
            for line in problems:
                print(f"  {line}", file=sys.stderr)
            print(f"Run: {GENERATE_COMMAND}", file=sys.stderr)
            return 1
        print(f"JSON Schemas in {out_dir} are up to date.")
        return 0

    changed = write_schemas(out_dir)
    for rel in changed:
        print(f"updated: {rel}")
    print(f"{len(changed)} file(s) changed in {out_dir}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
