"""Autogenerate a service's next Alembic migration against a throwaway database.

    uv run python scripts/new_migration.py ledger "add meters"

Needs the local stack's PostgreSQL (``deploy/local/stack.py infra-up``) or SOSENKI_PG_ADMIN_URL.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

import asyncpg
from alembic import command
from alembic.script import ScriptDirectory
from sosenki_platform.migrations import PLATFORM_BRANCH, alembic_config

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get(
    "SOSENKI_PG_ADMIN_URL", "postgresql://sosenki:sosenki@127.0.0.1:54329/postgres"
)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> None:
    service, message = sys.argv[1], sys.argv[2]
    module = service.replace("-", "_")
    migrations = ROOT / "services" / service / "src" / module / "migrations"
    versions = sorted(p.name for p in (migrations / "versions").glob("[0-9]*.py"))
    rev_id = f"{len(versions) + 1:04d}"
    db = f"autogen_{module}_{uuid.uuid4().hex[:8]}"
    base = ADMIN_URL.rsplit("/", 1)[0]
    asyncio.run(_admin(f'CREATE DATABASE "{db}"'))
    try:
        cfg = alembic_config(migrations, f"{base}/{db}")
        command.upgrade(cfg, "heads")
        # Two branches: the service's own (where the new file goes) and the platform's.
        script = ScriptDirectory.from_config(cfg)
        platform = script.get_revision(f"{PLATFORM_BRANCH}@head")
        assert platform is not None
        (service_head,) = [h for h in script.get_heads() if h != platform.revision]
        command.revision(
            cfg,
            message=message,
            autogenerate=True,
            rev_id=rev_id,
            head=service_head,
            version_path=str(migrations / "versions"),
        )
    finally:
        asyncio.run(_admin(f'DROP DATABASE "{db}"'))


if __name__ == "__main__":
    main()
