"""Alembic migrations, applied at start-up (or with ``python -m <service> migrate``).

Each service keeps its own Alembic scripts in ``<package>/migrations``; their ``env.py`` calls
:func:`run_env`, so the async plumbing lives here once. The platform's tables (outbox, inbox,
idempotency keys) are a second branch, labelled ``platform``, owned here
(``platform_migrations/``) and applied beside every service's own branch: a database is migrated
to ``heads``, both branches' tips.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from sosenki_platform.db import async_url

# Serialises migrations when several replicas of a service start at once.
_MIGRATION_LOCK_ID = 0x50_5E_4B_1


#: The platform's migration branch, shared by every service.
PLATFORM_VERSIONS = Path(__file__).parent / "platform_migrations"
PLATFORM_BRANCH = "platform"


def alembic_config(script_location: Path, database_url: str) -> Config:
    """The service's scripts (its ``env.py``, its branch in ``versions/``) plus the platform's
    branch."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations",
        os.pathsep.join([str(script_location / "versions"), str(PLATFORM_VERSIONS)]),
    )
    cfg.set_main_option("sqlalchemy.url", async_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(script_location: Path, database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(script_location, database_url), revision)


async def upgrade_async(script_location: Path, database_url: str) -> None:
    # Alembic's env runs its own event loop, so keep it off ours.
    await asyncio.to_thread(upgrade, script_location, database_url)


def _run_sync(connection: Connection, metadata: MetaData) -> None:
    connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    try:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID})
        connection.commit()


async def _run_async(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_run_sync, metadata)
    await engine.dispose()


def run_env(metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py``."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async(url, metadata))
