"""``python -m <service>``: run the service with uvicorn, or ``migrate`` its database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from sosenki_platform.migrations import upgrade
from sosenki_platform.settings import ServiceSettings

OPERATOR_COMMANDS = ("dead-letters", "outbox")


def main(app_path: str, settings: ServiceSettings, migrations_dir: Path) -> None:
    prog = f"python -m {app_path.split('.')[0]}"
    if sys.argv[1:2] and sys.argv[1] in OPERATOR_COMMANDS:
        from sosenki_platform.operator_cli import main as operator_main

        raise SystemExit(operator_main(settings, sys.argv[1:], prog))
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=["serve", "migrate", *OPERATOR_COMMANDS],
        help="serve (default), migrate, or an operator command (dead-letters, outbox: see -h)",
    )
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
