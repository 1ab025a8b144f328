"""The local SOSenki stack on a bare machine (no Docker): PostgreSQL, Kafka, topics.

Usage (from anywhere; paths are relative to the repository, never to the current directory)::

    uv run python deploy/local/stack.py infra-up      # start PostgreSQL + Kafka, create topics
    uv run python deploy/local/stack.py infra-down    # stop them (data is kept)
    uv run python deploy/local/stack.py up | down     # the whole stack
    uv run python deploy/local/stack.py up --observability   # ... with Prometheus and Jaeger
    uv run python deploy/local/stack.py status [--json]
    uv run python deploy/local/stack.py logs [name] [-n LINES]
    uv run python deploy/local/stack.py env           # export SOSENKI_...=... lines
    uv run python deploy/local/stack.py reset         # stop all, delete data (keeps Kafka's jars)

All state lives in ``.local/`` (git-ignored): data, logs (``.local/logs``), pid files
(``.local/run``) and ``.local/stack.env``.  Every command is idempotent.

The stack is a list of :class:`Component` objects, each with start/stop/status; ``up`` starts
:func:`full_stack` in order and ``down`` stops it in reverse.  The service processes are added by
extending :func:`full_stack` (see its docstring).
"""

from __future__ import annotations

import sys
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]
if str(_REPO_ROOT) not in sys.path:  # so that `python deploy/local/stack.py` works as a file
    sys.path.insert(0, str(_REPO_ROOT))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402

from deploy.local import kafka, postgres, processes  # noqa: E402
from deploy.local.processes import LOCAL_DIR, LOG_DIR, RUN_DIR, ComponentStatus  # noqa: E402

STACK_ENV_FILE = LOCAL_DIR / "stack.env"
#: Serialises commands that start or stop things (two `infra-up`s at once must not race).
LOCK_FILE = LOCAL_DIR / "stack.lock"
TOPIC_PREFIX_ENV = "SOSENKI_TOPIC_PREFIX"


@dataclass(frozen=True)
class Component:
    """One thing the stack starts: ``start`` returns a one-line summary and is idempotent;
    ``stop`` returns whether something was running; ``reset`` deletes its data (after stop)."""

    name: str
    start: Callable[[], str]
    stop: Callable[[], bool]
    status: Callable[[], ComponentStatus]
    logs: tuple[Path, ...] = ()
    reset: Callable[[], None] | None = None
    env: Callable[[], dict[str, str]] = field(default=lambda: {})


# ------------------------------------------------------------------------------------- topics


def _topic_prefix() -> str:
    return os.environ.get(TOPIC_PREFIX_ENV, "")


def _start_topics() -> str:
    from sosenki_contracts.topics import ALL_TOPICS
    from sosenki_platform.topic_admin import ensure_topics

    last: Exception | None = None
    for _attempt in range(10):  # a broker that just came up may not have a controller yet
        try:
            created = asyncio.run(
                ensure_topics(
                    kafka.bootstrap_servers(),
                    ALL_TOPICS,
                    prefix=_topic_prefix(),
                    security=kafka.security(),
                )
            )
            break
        except Exception as exc:
            last = exc
            time.sleep(1.0)
    else:
        raise RuntimeError(f"could not create Kafka topics: {last}")
    if created:
        return f"topics: created {len(created)} of {len(ALL_TOPICS)}"
    return f"topics: all {len(ALL_TOPICS)} present"


def _start_access() -> str:
    """Each service's Kafka user and the ACLs of ``sosenki_contracts.access`` (idempotent)."""
    from sosenki_contracts.access import SERVICES
    from sosenki_platform.kafka_acl import apply_table

    if kafka.external_bootstrap() is not None and not kafka.security().sasl:
        return "kafka-access: external cluster without SASL, no users or ACLs"
    passwords = None
    if kafka.external_bootstrap() is None:
        passwords = {row.service: kafka.credentials()[row.service] for row in SERVICES}
    bindings = asyncio.run(
        apply_table(
            kafka.bootstrap_servers(),
            kafka.security(),
            passwords=passwords,
            prefix=_topic_prefix(),
        )
    )
    users = f"{len(passwords)} service users, " if passwords else ""
    return f"kafka-access: {users}{len(bindings)} ACLs from sosenki_contracts.access"


def _access_status() -> ComponentStatus:
    from sosenki_platform.kafka_acl import KafkaAccessAdmin, table_bindings

    address = kafka.bootstrap_servers()
    if not kafka.security().sasl:
        return ComponentStatus("kafka-access", "open", None, address, "no SASL: no users, no ACLs")
    if not kafka.status().running:
        return ComponentStatus("kafka-access", "unknown", None, address, "kafka is not running")

    async def missing() -> int:
        async with KafkaAccessAdmin(address, kafka.security()) as admin:
            present = set(await admin.acls_of())
        return len(set(table_bindings(_topic_prefix())) - present)

    try:
        absent = asyncio.run(asyncio.wait_for(missing(), 15))
    except Exception as exc:
        return ComponentStatus("kafka-access", "unknown", None, address, f"no answer: {exc}")
    if absent:
        return ComponentStatus("kafka-access", "missing", None, address, f"{absent} ACLs missing")
    return ComponentStatus("kafka-access", "applied", None, address, "")


async def _missing_topics() -> list[str]:
    from aiokafka.admin import AIOKafkaAdminClient
    from sosenki_contracts.topics import ALL_TOPICS, with_prefix

    admin = AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap_servers(),
        request_timeout_ms=3000,
        **kafka.security().client_options(),
    )
    try:
        await admin.start()
        existing = set(await admin.list_topics())
    finally:
        await admin.close()
    return [t for t in (with_prefix(_topic_prefix(), t) for t in ALL_TOPICS) if t not in existing]


def _topics_status() -> ComponentStatus:
    address = kafka.bootstrap_servers()
    if not kafka.status().running:
        return ComponentStatus("topics", "unknown", None, address, "kafka is not running")
    try:
        missing = asyncio.run(asyncio.wait_for(_missing_topics(), 10))
    except Exception as exc:
        return ComponentStatus("topics", "unknown", None, address, f"kafka does not answer: {exc}")
    if missing:
        return ComponentStatus("topics", "missing", None, address, ", ".join(missing))
    return ComponentStatus("topics", "present", None, address, "")


# --------------------------------------------------------------------------------- components


def infra_components() -> list[Component]:
    return [
        Component(
            name=postgres.NAME,
            start=postgres.start,
            stop=postgres.stop,
            status=postgres.status,
            logs=(postgres.LOG_FILE,),
            reset=postgres.remove_data,
            env=lambda: {postgres.ADMIN_URL_ENV: postgres.admin_url()},
        ),
        Component(
            name=kafka.NAME,
            start=kafka.start,
            stop=kafka.stop,
            status=kafka.status,
            logs=(kafka.LOG_FILE, kafka.OUT_FILE),
            reset=kafka.remove_data,
            # The admin's credentials: for tests and operator tools, never for services.
            env=lambda: {kafka.BOOTSTRAP_ENV: kafka.bootstrap_servers(), **kafka.security().env()},
        ),
        Component(
            name="topics",
            start=_start_topics,
            stop=lambda: False,
            status=_topics_status,
        ),
        Component(
            name="kafka-access",
            start=_start_access,
            stop=lambda: False,
            status=_access_status,
        ),
    ]


def full_stack(observability: bool | None = None) -> list[Component]:
    """What ``up`` starts, in order (``down`` stops it in reverse order): the infrastructure,
    with ``observability`` Prometheus and Jaeger (:mod:`deploy.local.observability`), the five
    services and the demo data. ``None``: observability when it is running already."""
    from deploy.local import observability as obs, services

    if observability is None:
        observability = any(processes.read_pid(c.name) for c in obs.components())
    extra = obs.components() if observability else []
    return [*infra_components(), *extra, *services.components()]


# ----------------------------------------------------------------------------------- commands


def env_vars(components: Sequence[Component]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in components:
        out.update(c.env())
    return out


def env_lines(components: Sequence[Component]) -> list[str]:
    return [f"export {k}={shlex.quote(v)}" for k, v in env_vars(components).items()]


def bring_up(components: Sequence[Component]) -> int:
    t0 = time.monotonic()
    for c in components:
        t = time.monotonic()
        summary = c.start()
        print(f"{summary}  [{time.monotonic() - t:.1f}s]", flush=True)
    lines = env_lines(components)
    STACK_ENV_FILE.parent.mkdir(parents=True, exist_ok=True)
    STACK_ENV_FILE.touch(mode=0o600)  # it holds the Kafka admin's password
    STACK_ENV_FILE.chmod(0o600)
    STACK_ENV_FILE.write_text("\n".join(lines) + "\n")
    print(f"\nup in {time.monotonic() - t0:.1f}s; environment (also in {STACK_ENV_FILE}):")
    for line in lines:
        print("  " + line)
    print(f"logs: {LOG_DIR}  (stack.py logs <name>)")
    return 0


def bring_down(components: Sequence[Component]) -> int:
    for c in reversed(components):
        if c.stop():
            print(f"{c.name}: stopped", flush=True)
        else:
            state = c.status().state
            if state == "external":
                print(f"{c.name}: external, left alone")
            elif c.logs:  # components without a process of their own say nothing
                print(f"{c.name}: not running")
    return 0


def show_status(components: Sequence[Component], as_json: bool) -> int:
    statuses = [c.status() for c in components]
    if as_json:
        print(json.dumps([asdict(s) | {"running": s.running} for s in statuses], indent=2))
    else:
        for s in statuses:
            pid = str(s.pid) if s.pid is not None else "-"
            line = f"{s.name:<12} {s.state:<9} pid {pid:<8} {s.address}"
            print(line + (f"  ({s.detail})" if s.detail else ""))
    return 0 if all(s.running or s.name in ("topics", "kafka-access") for s in statuses) else 3


def reset(components: Sequence[Component]) -> int:
    bring_down(components)
    for c in components:
        if c.reset is not None:
            c.reset()
    for path in (LOG_DIR, RUN_DIR):
        shutil.rmtree(path, ignore_errors=True)
    STACK_ENV_FILE.unlink(missing_ok=True)
    print(f"reset: data, logs and pid files under {LOCAL_DIR} deleted (Kafka jars kept)")
    return 0


def show_logs(components: Sequence[Component], name: str | None, lines: int) -> int:
    if name is None:
        paths = [p for c in components for p in c.logs]
    else:
        match = [c for c in components if c.name == name]
        if match:
            paths = list(match[0].logs)
        elif (LOG_DIR / name).is_file():
            paths = [LOG_DIR / name]
        elif (LOG_DIR / f"{name}.log").is_file():
            paths = [LOG_DIR / f"{name}.log"]
        else:
            known = sorted({c.name for c in components if c.logs})
            files = sorted(p.name for p in LOG_DIR.glob("*")) if LOG_DIR.is_dir() else []
            print(f"no log named {name!r}; components: {', '.join(known)}; files: {files}")
            return 2
    for path in paths:
        print(f"==> {path} <==")
        text = processes.tail(path, lines)
        print(text if text else "(empty or missing)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("infra-up", help="start PostgreSQL and Kafka, create the topics")
    sub.add_parser("infra-down", help="stop PostgreSQL and Kafka")
    p_up = sub.add_parser("up", help="start the whole stack")
    p_up.add_argument(
        "--observability",
        action="store_true",
        help="also Prometheus (:9090) and Jaeger (:16686), built or installed on first use",
    )
    sub.add_parser("down", help="stop the whole stack")
    p_status = sub.add_parser("status", help="show each component")
    p_status.add_argument("--json", action="store_true")
    sub.add_parser("reset", help="stop everything and delete its data (keeps Kafka's jars)")
    p_logs = sub.add_parser("logs", help="print the end of a component's log")
    p_logs.add_argument("name", nargs="?")
    p_logs.add_argument("-n", "--lines", type=int, default=60)
    sub.add_parser("env", help="print export lines for the running stack")
    args = parser.parse_args(argv)

    infra = infra_components()
    mutating = args.command in ("infra-up", "infra-down", "up", "down", "reset")
    try:
        with processes.file_lock(LOCK_FILE) if mutating else contextlib.nullcontext():
            return _dispatch(args, infra)
    except RuntimeError as exc:  # PostgresError, KafkaError, ProcessMismatchError, topics
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace, infra: list[Component]) -> int:
    match args.command:
        case "infra-up":
            return bring_up(infra)
        case "infra-down":
            return bring_down(infra)
        case "up":
            from deploy.local import services

            code = bring_up(full_stack(args.observability or None))
            print("\nSOSenki is up. API docs:")
            print("\n".join(services.where_to_look()))
            if args.observability:
                print("  prometheus   http://127.0.0.1:9090")
                print("  jaeger       http://127.0.0.1:16686")
            return code
        case "down":
            return bring_down(full_stack(True))
        case "status":
            return show_status(full_stack(), args.json)
        case "reset":
            return reset(full_stack(True))
        case "logs":
            return show_logs(full_stack(), args.name, args.lines)
        case "env":
            print("\n".join(env_lines(full_stack())))
            return 0
    raise SystemExit(f"unknown command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
