"""structlog JSON logs carrying ``trace_id`` and ``span_id``, one object per line.

Libraries log through the standard library (uvicorn, aiokafka, SQLAlchemy, FastStream): their
records go through the same structlog processors (``ProcessorFormatter``), so every line a
service prints is one JSON object with ``logger``, ``level``, ``timestamp`` and the trace ids,
whoever wrote it.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from sosenki_platform.telemetry import current_ids

#: Library loggers and the least level shown: chatty ones at WARNING, uvicorn's own at INFO.
LIBRARY_LEVELS: dict[str, int] = {
    "uvicorn": logging.INFO,
    "uvicorn.error": logging.INFO,
    "uvicorn.access": logging.WARNING,
    "aiokafka": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "faststream": logging.WARNING,
    "alembic": logging.WARNING,
    "py.warnings": logging.WARNING,
}


_HANDLER_NAME = "sosenki-json"


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
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    exceptions: Any = (
        structlog.processors.dict_tracebacks if json else structlog.processors.format_exc_info
    )
    structlog.configure(
        processors=[*shared, exceptions, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service_name)
    # The standard library's records: rendered by the same processors, to the same stream.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _positional_args_rendered,
                exceptions,
                renderer,
            ],
        )
    )
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)  # configured again (tests make several apps in one process)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.captureWarnings(True)  # Python's warnings too, instead of plain text on stderr
    for name, least in LIBRARY_LEVELS.items():
        library = logging.getLogger(name)
        library.handlers.clear()  # uvicorn installs its own plain-text handlers
        library.propagate = True
        library.setLevel(least)


def _positional_args_rendered(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """A library's ``log.info("%s ...", x)`` arrives rendered in ``event``; drop leftovers."""
    event.pop("positional_args", None)
    return event


def get_logger(name: str = "sosenki") -> Any:
    return structlog.get_logger(name)
