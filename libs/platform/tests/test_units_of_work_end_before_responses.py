"""Every service's unit of work commits before its response is sent (``scope="function"``): with
FastAPI's default a client could get 201 for a write that is not committed yet, or never is.
(tests-e2e/test_read_your_writes.py checks the behaviour over a real process.)"""

from __future__ import annotations

import importlib

import pytest

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("module", ["ledger", "splits", "recurring"])
def test_the_write_and_read_dependencies_end_with_the_path_function(module: str) -> None:
    routes = importlib.import_module(f"{module}.api.routes")
    for name in ("Writer", "Reader"):
        (depends,) = getattr(routes, name).__metadata__
        assert depends.scope == "function", f"{module}.api.routes.{name} ends after the response"
