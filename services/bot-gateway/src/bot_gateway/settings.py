"""Settings of the bot-gateway service (environment variables prefixed ``SOSENKI_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator
from sosenki_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "bot-gateway"
    #: Tests only: a file holding the time the gateway believes it is (empty: the system clock).
    clock_file: str = ""
    # The Ed25519 private key (PEM text or a file) the gateway signs short-lived tokens with when
    # it acts for a Telegram user (REST queries, the Mini App session).
    auth_private_key: str = ""
    auth_private_key_file: str = ".local/keys/jwt-ed25519.pem"
    user_token_ttl_seconds: int = 300
    miniapp_token_ttl_seconds: int = 900
    # Telegram: without a bot token the gateway does not talk to Telegram at all ("off").
    telegram_bot_token: str = ""
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_secret: str = ""
    telegram_webhook_url: str = ""
    #: webhook, polling or off; empty: webhook when a webhook URL is set, else polling with a
    #: token, else off.
    telegram_mode: str = ""
    #: The gateway's public https address (``https://bot.example.org``): when set, the Mini App
    #: (``<public_url>/miniapp``) is the bot's menu button and ``/help`` points to it.
    public_url: str = ""
    # An invitation (``/start join_<token>``) may be claimed for this long: a week by default.
    invitation_ttl_seconds: int = 7 * 24 * 3600
    # Mini App initData older than this is refused.
    initdata_max_age_seconds: int = 3600
    # The other services' REST APIs (queries only).
    ledger_url: str = "http://127.0.0.1:8001"
    splits_url: str = "http://127.0.0.1:8002"
    reporting_url: str = "http://127.0.0.1:8005"
    # After this many seconds without a result the user is told the command is still processing.
    result_wait_seconds: float = 5.0
    #: A Confirm/Cancel keyboard older than this does nothing when tapped (news of yesterday's
    #: question is not a decision today).
    confirmation_ttl_seconds: float = 6 * 3600
    # Processed update ids are kept at least this long (Telegram retries for up to 24 hours).
    processed_updates_keep_hours: int = 72
    # Events older than this do not notify chats (a fresh gateway reading old history).
    notify_max_age_hours: int = 24
    # Outgoing message limits (Telegram: about 1/s per chat, 20/min per group).
    send_interval_per_chat_seconds: float = 1.0
    send_per_group_per_minute: int = 20
    #: The window of the per-group limit: a minute (tests shorten it rather than wait a minute).
    send_group_window_seconds: float = 60.0
    sender_poll_interval_seconds: float = 0.2
    # Per-Telegram-user limit on bot commands (messages starting with "/"): a token bucket,
    # `command_burst` at once, then `command_rate_per_second`; 0 turns it off. In memory, per
    # process. Beyond it the command is dropped and the user told politely (once in a while).
    command_rate_per_second: float = 1.0
    command_burst: int = 30
    #: Telegram's overall limit (about 30 messages a second for a bot), over any one second.
    send_global_per_second: int = 30
    #: Messages in flight at once (to different chats; one chat never has two in flight).
    send_concurrency: int = 8
    #: A message still failing for a passing reason (429, 5xx, network) this long after it was
    #: queued is given up (recorded as failed, ``expired``).
    send_give_up_after_hours: float = 24.0
    #: Sent and failed messages are deleted past these ages, checked every prune interval.
    sent_messages_keep_hours: float = 168.0
    failed_messages_keep_hours: float = 720.0
    outgoing_prune_interval_seconds: float = 3600.0
    #: How often the queue's gauges (depth, oldest pending age, failed kept) are refreshed.
    sender_metrics_interval_seconds: float = 5.0

    @model_validator(mode="after")
    def _webhook_needs_its_secret(self) -> Settings:
        # Without the secret anyone who finds the URL could post updates as Telegram: refuse to
        # start rather than serve an open webhook.
        if self.mode == "webhook" and not (
            self.telegram_webhook_secret and self.telegram_webhook_url
        ):
            raise ValueError(
                "webhook mode needs SOSENKI_TELEGRAM_WEBHOOK_SECRET and "
                "SOSENKI_TELEGRAM_WEBHOOK_URL (or set SOSENKI_TELEGRAM_MODE=polling)"
            )
        if self.mode not in ("webhook", "polling", "off"):
            raise ValueError(f"SOSENKI_TELEGRAM_MODE={self.mode!r}: webhook, polling or off")
        return self

    @property
    def mode(self) -> str:
        if self.telegram_mode:
            return self.telegram_mode
        if not self.telegram_bot_token:
            return "off"
        return "webhook" if self.telegram_webhook_url else "polling"

    @property
    def miniapp_url(self) -> str:
        """Where Telegram opens the Mini App; ``""`` when the gateway has no public address."""
        return f"{self.public_url.rstrip('/')}/miniapp" if self.public_url else ""

    def private_key(self) -> str:
        if self.auth_private_key:
            return self.auth_private_key
        path = Path(self.auth_private_key_file)
        if not path.is_file():
            raise RuntimeError(
                f"No token signing key: set SOSENKI_AUTH_PRIVATE_KEY or create {path} "
                "(`uv run sosenki-token keygen`)"
            )
        return path.read_text()
