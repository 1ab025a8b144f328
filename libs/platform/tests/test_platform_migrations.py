"""The platform's tables come from one migration branch (``platform``) applied beside each
service's own. A fresh database and one made by the migrations as they were before the branch
existed (platform tables inside each service's initial migration) must end with the same schema,
and that schema must be the one the code's tables describe."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from bot_gateway.adapters.tables import metadata as bot_gateway_metadata
from ledger.adapters.tables import metadata as ledger_metadata
from recurring.adapters.tables import metadata as recurring_metadata
from reporting.adapters.tables import metadata as reporting_metadata
from sosenki_platform.db import async_url
from sosenki_platform.migrations import alembic_config, upgrade
from splits.adapters.tables import metadata as splits_metadata
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
#: The last commit whose services made the platform tables in their own migrations.
BEFORE_THE_PLATFORM_BRANCH = "c0a4b37"

SERVICES: dict[str, tuple[str, MetaData]] = {
    "ledger": ("services/ledger/src/ledger/migrations", ledger_metadata),
    "splits": ("services/splits/src/splits/migrations", splits_metadata),
    "recurring": ("services/recurring/src/recurring/migrations", recurring_metadata),
    "bot_gateway": ("services/bot-gateway/src/bot_gateway/migrations", bot_gateway_metadata),
    "reporting": ("services/reporting/src/reporting/migrations", reporting_metadata),
}

SCHEMA_QUERIES = [
    "SELECT table_name, column_name, data_type, is_nullable, column_default"
    " FROM information_schema.columns WHERE table_schema = 'public'"
    " AND table_name <> 'alembic_version' ORDER BY 1, 2",
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
    " JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'"
    " AND c.conrelid::regclass::text <> 'alembic_version' ORDER BY 1, 2",
]


def _plain(url: str) -> str:
    return async_url(url).replace("postgresql+asyncpg://", "postgresql://")


async def _schema(url: str) -> list[list[tuple[object, ...]]]:
    conn = await asyncpg.connect(_plain(url))
    try:
        return [[tuple(r) for r in await conn.fetch(q)] for q in SCHEMA_QUERIES]
    finally:
        await conn.close()


async def _versions(url: str) -> set[str]:
    conn = await asyncpg.connect(_plain(url))
    try:
        return {r[0] for r in await conn.fetch("SELECT version_num FROM alembic_version")}
    finally:
        await conn.close()


async def _differences(url: str, metadata: MetaData) -> list[object]:
    """What autogenerate would change to make the platform's tables match the code's."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_compare, metadata)
    finally:
        await engine.dispose()


PLATFORM_TABLES = {"outbox", "inbox", "idempotency_keys"}


def _platform_only(obj: object, name: str | None, kind: str, *_: object) -> bool:
    table = getattr(obj, "table", obj) if kind != "table" else obj
    return getattr(table, "name", name) in PLATFORM_TABLES


def _compare(conn: Connection, metadata: MetaData) -> list[object]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "include_object": _platform_only}
    )
    return list(compare_metadata(context, metadata))


def _legacy_scripts(migrations: str, into: Path) -> Path:
    """The service's migrations as they were before the platform branch, from git."""
    shutil.copytree(ROOT / migrations, into, ignore=shutil.ignore_patterns("versions"))
    (into / "versions").mkdir()
    names = subprocess.run(
        [
            "git",
            "-C",
            str(ROOT),
            "ls-tree",
            "--name-only",
            BEFORE_THE_PLATFORM_BRANCH,
            f"{migrations}/versions/",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in names:
        if name.endswith(".py"):
            text = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{BEFORE_THE_PLATFORM_BRANCH}:{name}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            (into / "versions" / Path(name).name).write_text(text)
    return into


def _upgrade_legacy(scripts: Path, url: str) -> None:
    cfg = alembic_config(scripts, url)
    cfg.set_main_option("version_locations", str(scripts / "versions"))
    command.upgrade(cfg, "head")


@pytest.mark.parametrize("service", list(SERVICES))
async def test_fresh_and_old_databases_end_with_the_same_schema(
    service: str, new_database: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    migrations, metadata = SERVICES[service]
    fresh, old = await new_database(f"{service}_fresh"), await new_database(f"{service}_old")

    await asyncio.to_thread(upgrade, ROOT / migrations, fresh)
    await asyncio.to_thread(_upgrade_legacy, _legacy_scripts(migrations, tmp_path / "m"), old)
    before = await _versions(old)
    assert "platform_0001" not in before
    conn = await asyncpg.connect(_plain(old))
    try:  # an old database in use: its outbox has a row that must survive
        await conn.execute(
            "INSERT INTO outbox (event_id, topic, key, event_type, envelope)"
            " VALUES (gen_random_uuid(), 't', 'k', 'x', '{}')"
        )
    finally:
        await conn.close()
    await asyncio.to_thread(upgrade, ROOT / migrations, old)

    # Both at the same heads: the platform's, and the service's own (which may have moved on
    # since the old scripts were taken).
    after = await _versions(old)
    assert await _versions(fresh) == after and "platform_0001" in after
    assert await _schema(fresh) == await _schema(old)
    assert await _differences(fresh, metadata) == []
    conn = await asyncpg.connect(_plain(old))
    try:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 1
    finally:
        await conn.close()
    # Run again: nothing left to do, nothing fails.
    await asyncio.to_thread(upgrade, ROOT / migrations, old)
    assert await _schema(fresh) == await _schema(old)
    conn = await asyncpg.connect(_plain(fresh))
    try:  # the comparison sees the platform's tables: a missing index shows
        await conn.execute("DROP INDEX ix_inbox_position")
    finally:
        await conn.close()
    assert len(await _differences(fresh, metadata)) == 1
