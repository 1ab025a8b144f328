"""``python -m <service>``: run the service with uvicorn, or ``migrate`` its database."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from sosenki_platform.migrations import upgrade
from sosenki_platform.settings import ServiceSettings


def main(app_path: str, settings: ServiceSettings, migrations_dir: Path) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {app_path.split('.')[0]}")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args()
    if args.command == "migrate":
        upgrade(migrations_dir, settings.database_url)
        print(f"{settings.service_name}: database migrated")
        return
    uvicorn.run(
        app_path,
        factory=True,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=15,
    )
