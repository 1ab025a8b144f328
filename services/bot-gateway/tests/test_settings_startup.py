"""The gateway refuses to start an open webhook: webhook mode without its secret."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from bot_gateway.settings import Settings
from pydantic import ValidationError

pytestmark = pytest.mark.unit

URL = "https://bot.example/telegram/webhook"


def test_webhook_mode_without_a_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="SOSENKI_TELEGRAM_WEBHOOK_SECRET"):
        Settings(telegram_bot_token="1:x", telegram_webhook_url=URL)
    with pytest.raises(ValidationError, match="SOSENKI_TELEGRAM_WEBHOOK_URL"):
        Settings(telegram_mode="webhook", telegram_webhook_secret="s")
    with pytest.raises(ValidationError, match="webhook, polling or off"):
        Settings(telegram_mode="hook")
    ok = Settings(telegram_bot_token="1:x", telegram_webhook_url=URL, telegram_webhook_secret="s")
    assert ok.mode == "webhook"
    assert Settings(telegram_bot_token="1:x").mode == "polling"
    assert Settings().mode == "off"


def test_the_service_does_not_start_with_an_open_webhook() -> None:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SOSENKI_")}
    env.update(
        SOSENKI_TELEGRAM_BOT_TOKEN="1:x",
        SOSENKI_TELEGRAM_WEBHOOK_URL=URL,
        SOSENKI_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot_gateway"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SOSENKI_TELEGRAM_WEBHOOK_SECRET" in result.stderr + result.stdout
