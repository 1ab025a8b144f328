"""Operator commands every service has (``python -m <service> dead-letters …``, ``… outbox …``).

``dead-letters list [--topic T]``: this service's dead letters still waiting, one per line.
``dead-letters show --offset N [--partition P] [--topic T]``: one letter, headers and body.
``dead-letters redrive --all | --offset N [--partition P] [--topic T]``: republish to the source
topic (same ``event_id``: applied at most once) and move the desk past it.
``outbox parked``: outbox rows the broker refused for good; ``outbox requeue --id N`` puts one
back in line (after the cause was fixed); ``outbox discard --id N`` gives up on it (it stays in
the table, marked published with the reason, and the rows behind it go on).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from typing import Any

from sqlalchemy import text

from sosenki_platform.db import Database
from sosenki_platform.dead_letter_desk import DeadLetter, DeadLetterDesk, dead_letter_topics
from sosenki_platform.settings import ServiceSettings


def _desk(settings: ServiceSettings) -> DeadLetterDesk:
    return DeadLetterDesk(
        settings.kafka_bootstrap_servers,
        settings.consumer_group,
        dead_letter_topics(settings.topic_prefix),
        settings.kafka_security,
    )


def _topic_name(settings: ServiceSettings, topic: str | None) -> str | None:
    if topic is None:
        return None
    if not topic.endswith(".dlq"):
        topic += ".dlq"
    if settings.topic_prefix and not topic.startswith(settings.topic_prefix):
        topic = settings.topic_prefix + topic
    return topic


def _line(letter: DeadLetter) -> str:
    source_topic, source_partition, source_offset = letter.source
    when = dt.datetime.fromtimestamp(letter.timestamp_ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M")
    error = " ".join(letter.error.split())[:100]
    return (
        f"{letter.topic}\t{letter.partition}\t{letter.offset}\t{when}\t{letter.reason}\t"
        f"{letter.message_type}\t{source_topic}:{source_partition}:{source_offset}\t"
        f"attempts={letter.header('x-dlq-attempts')}\t{error}"
    )


def _select(letters: list[DeadLetter], args: argparse.Namespace) -> list[DeadLetter]:
    if getattr(args, "all", False):
        return letters
    chosen = [
        d
        for d in letters
        if d.offset == args.offset and (args.partition is None or d.partition == args.partition)
    ]
    if not chosen:
        raise SystemExit(f"no waiting dead letter at offset {args.offset}")
    if len(chosen) > 1:
        where = ", ".join(f"{d.topic} partition {d.partition}" for d in chosen)
        raise SystemExit(f"offset {args.offset} is ambiguous ({where}): add --topic/--partition")
    return chosen


def show(letter: DeadLetter) -> str:
    lines = [f"{letter.topic} partition {letter.partition} offset {letter.offset}"]
    lines.append(f"key: {letter.key.decode('utf-8', 'replace') if letter.key else ''}")
    for name, value in letter.headers:
        lines.append(f"{name}: {value.decode('utf-8', 'replace') if value is not None else ''}")
    try:
        body: Any = json.loads(letter.value or b"")
        lines.append(json.dumps(body, indent=2, ensure_ascii=False))
    except ValueError:
        lines.append(repr(letter.value))
    return "\n".join(lines)


async def _dead_letters(settings: ServiceSettings, args: argparse.Namespace) -> int:
    desk = _desk(settings)
    topic = _topic_name(settings, args.topic)
    letters = await desk.waiting(topic)
    if args.action == "list":
        print("topic\tpartition\toffset\twhen\treason\ttype\tsource\tattempts\terror")
        for letter in letters:
            print(_line(letter))
        print(f"{len(letters)} waiting", file=sys.stderr)
        return 0
    chosen = _select(letters, args)
    if args.action == "show":
        print(show(chosen[0]))
        return 0
    done = await desk.redrive(chosen)
    for letter in done:
        print(f"redriven {letter.topic}:{letter.partition}:{letter.offset} -> {letter.source[0]}")
    print(f"{len(done)} redriven", file=sys.stderr)
    return 0


async def _outbox(settings: ServiceSettings, args: argparse.Namespace) -> int:
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            if args.action == "parked":
                rows = (
                    await session.execute(
                        text(
                            "SELECT id, topic, key, event_type, parked_at, park_reason FROM outbox"
                            " WHERE parked_at IS NOT NULL AND published_at IS NULL ORDER BY id"
                        )
                    )
                ).all()
                print("id\ttopic\tkey\ttype\tparked_at\treason")
                for r in rows:
                    print(
                        f"{r.id}\t{r.topic}\t{r.key}\t{r.event_type}\t{r.parked_at}\t{r.park_reason}"
                    )
                return 0
            if args.action == "requeue":
                sql = (
                    "UPDATE outbox SET parked_at = NULL"
                    " WHERE id = :id AND parked_at IS NOT NULL AND published_at IS NULL"
                )
            else:
                sql = (
                    "UPDATE outbox SET published_at = now(),"
                    " park_reason = 'discarded by an operator: ' || coalesce(park_reason, '')"
                    " WHERE id = :id AND parked_at IS NOT NULL AND published_at IS NULL"
                )
            result: Any = await session.execute(text(sql), {"id": args.id})
            changed = result.rowcount
            if not changed:
                raise SystemExit(f"no parked outbox row with id {args.id}")
            print(
                f"outbox row {args.id} {args.action}d"
                if args.action != "requeue"
                else f"outbox row {args.id} requeued"
            )
            return 0
    finally:
        await db.dispose()


def parser(prog: str) -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog=prog)
    commands = root.add_subparsers(dest="command", required=True)
    dead = commands.add_parser("dead-letters", help="list, show or re-drive dead letters")
    actions = dead.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="dead letters waiting")
    listing.add_argument("--topic", help="one dead-letter (or source) topic")
    show = actions.add_parser("show", help="one dead letter in full")
    redrive = actions.add_parser("redrive", help="republish to the source topic")
    for sub in (show, redrive):
        sub.add_argument("--topic", help="the dead-letter (or source) topic")
        sub.add_argument("--partition", type=int)
    show.add_argument("--offset", type=int, required=True)
    which = redrive.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every waiting letter")
    which.add_argument("--offset", type=int)
    outbox = commands.add_parser("outbox", help="parked outbox rows")
    outbox_actions = outbox.add_subparsers(dest="action", required=True)
    outbox_actions.add_parser("parked", help="rows the broker refused for good")
    for name in ("requeue", "discard"):
        one = outbox_actions.add_parser(name)
        one.add_argument("--id", type=int, required=True)
    return root


def main(settings: ServiceSettings, argv: list[str], prog: str) -> int:
    args = parser(prog).parse_args(argv)
    if args.command == "dead-letters":
        return asyncio.run(_dead_letters(settings, args))
    return asyncio.run(_outbox(settings, args))
