"""structlog JSON logs carrying ``trace_id`` and ``span_id``."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from sosenki_platform.telemetry import current_ids


def _add_trace_ids(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    trace_id, span_id = current_ids()
    if trace_id:
        event["trace_id"] = trace_id
        event["span_id"] = span_id
    return event


def configure_logging(service_name: str, level: str = "INFO", json: bool = True) -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
        structlog.processors.dict_tracebacks if json else structlog.processors.format_exc_info,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service_name)
    # Libraries log through the standard library: send it to stdout at WARNING and above.
    logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format="%(name)s %(message)s")


def get_logger(name: str = "sosenki") -> Any:
    return structlog.get_logger(name)
