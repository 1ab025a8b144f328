"""Property-based fuzzing of a service's OpenAPI with schemathesis, for the test suite.

``fuzz_openapi(app, token=...)`` serves the app over real HTTP in this event loop (uvicorn, the
app's lifespan included, so its real database and Kafka are used) and, from a worker thread,
sends every operation in the schema cases schemathesis generates: valid ones and ones that break
the schema. Each response must not be a 5xx and must match the schema documented for its status.
The budget is fixed (``examples`` per operation and mode, no shrinking, derandomized) so the run
fits CI; it returns the failures, one line each, for the test to assert empty, and the statuses
seen, for the test to check that the fuzzer got past authentication.

Only tests import this module (schemathesis is a development dependency).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from sosenki_platform.testing import free_port


@dataclass
class FuzzReport:
    failures: list[str] = field(default_factory=list)
    #: How many responses of each status the fuzzer saw (to show it got past auth).
    statuses: Counter[int] = field(default_factory=Counter)


async def fuzz_openapi(
    app: Any,
    *,
    token: str,
    examples: int = 8,
    budget_seconds: float = 45.0,
    skip_paths: Sequence[str] = (),
    already_running: bool = False,
) -> FuzzReport:
    """``already_running``: the app's lifespan has been entered by the caller (e.g. a test fixture
    that wired it to other services in-process); uvicorn then leaves the lifespan alone.
    ``SOSENKI_FUZZ_EXAMPLES`` and ``SOSENKI_FUZZ_BUDGET_SECONDS`` raise the budget for a deeper
    run by hand (the suite keeps the small default)."""
    examples = int(os.environ.get("SOSENKI_FUZZ_EXAMPLES", examples))
    budget_seconds = float(os.environ.get("SOSENKI_FUZZ_BUDGET_SECONDS", budget_seconds))
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off" if already_running else "on",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.05)
        base_url = f"http://127.0.0.1:{port}"
        return await asyncio.to_thread(
            _fuzz, base_url, token, examples, budget_seconds, tuple(skip_paths)
        )
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving


def _fuzz(
    base_url: str, token: str, examples: int, budget_seconds: float, skip_paths: tuple[str, ...]
) -> FuzzReport:
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.result import Ok
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import response_schema_conformance

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    checks = [not_a_server_error, response_schema_conformance]
    report = FuzzReport()
    failures = report.failures
    deadline = time.monotonic() + budget_seconds
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    for operation in operations:
        if any(operation.path.startswith(prefix) for prefix in skip_paths):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if time.monotonic() > deadline:
                failures.append(f"budget of {budget_seconds}s exhausted at {operation.label}")
                return report

            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                if mode is GenerationMode.POSITIVE and case.headers:  # noqa: B023 (run now)
                    # A valid Idempotency-Key sends every write through the key bookkeeping
                    # (tests/test_idempotency*), which would spend the budget there; invalid keys
                    # (negative mode) are kept: their refusal is part of the surface.
                    case.headers.pop("Idempotency-Key", None)
                response = case.call(base_url=base_url, headers=headers, timeout=30)
                report.statuses[response.status_code] += 1
                case.validate_response(response, checks=checks)

            try:
                run()
            except Unsatisfiable:  # nothing to break: e.g. no parameters, so no negative cases
                pass
            except (Exception, BaseExceptionGroup) as exc:  # a failed check: find the others too
                first = str(exc).strip().splitlines()[:12]
                failures.append(f"{operation.label} [{mode.value}]: " + " | ".join(first))
    return report
