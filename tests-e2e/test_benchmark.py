"""``benchmarks/run.py --quick`` through its real entrypoint: every figure of issue 15 (P1–P7)
and every machine limit is measured and written, with a ratio for each row. No timing
thresholds: the quick sizes prove the harness, not the speed."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sosenki_platform.testing import Infrastructure

pytestmark = pytest.mark.e2e

# Five services (two replicas of the ledger and the gateway), the fake Bot API, a rebuild and a
# second recurring process start in this run:
# about a minute and a half on a quiet machine, several on a crowded one (the limit is for that).
BUDGET_SECONDS = 560

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(BUDGET_SECONDS + 40)
def test_the_quick_benchmark_measures_every_figure_and_limit(
    infrastructure: Infrastructure, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "SOSENKI_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap_servers,
        "SOSENKI_PG_ADMIN_URL": infrastructure.pg_admin_url,
    }
    run = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks/run.py"), "--quick", "--results-dir", tmp_path],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = run.communicate(timeout=BUDGET_SECONDS)
    except subprocess.TimeoutExpired:
        run.terminate()  # SIGTERM: the run stops the services it started
        stdout, stderr = run.communicate(timeout=25)
        slow = f"the quick benchmark took too long:\n{stdout}\n{stderr[-3000:]}"
        raise AssertionError(slow) from None
    assert run.returncode == 0, stdout[-3000:] + stderr[-3000:]
    assert not (tmp_path / "latest.json").exists()  # a quick run never stands for the figures
    report = json.loads((tmp_path / "quick.json").read_text())
    assert report["mode"] == "quick"

    limits = report["limits"]
    assert set(limits) == {
        "postgres_insert_commit_8_connections",
        "postgres_insert_commit_1_connection",
        "postgres_round_trip",
        "kafka_produce",
        "kafka_consume",
        "kafka_round_trip",
        "http_floor",
    }
    for name in ("postgres_insert_commit_8_connections", "postgres_insert_commit_1_connection"):
        assert limits[name]["rate_per_s"] > 0 and limits[name]["p99_ms"] > 0
    assert limits["kafka_produce"]["rate_per_s"] > 0 < limits["kafka_consume"]["rate_per_s"]

    f = report["figures"]
    assert set(f) == {"P1", "P2", "P3", "P4", "P5", "P6", "P7"}
    assert f["P1"]["requests"] > 0 and f["P1"]["errors"] == 0 and f["P1"]["p99_ms"] > 0
    assert f["P2"]["samples"] >= 1 and f["P2"]["failed"] == 0 and f["P2"]["p99_ms"] > 0
    assert f["P3"]["entries"] == 5_000 and f["P3"]["naive_aggregate_p50_ms"] > 0
    assert f["P4"]["events"] == 200 and f["P4"]["seconds"] > 0  # replayed: all if finished
    assert 0 < f["P4"]["replayed"] <= 200 or not f["P4"]["finished"]
    assert f["P5"]["emitted"] == f["P5"]["occurrences"] == 30 and f["P5"]["duplicates"] == 0
    assert report["replicas"] == {"ledger": 2, "bot_gateway": 2}  # the deployment's minimum
    assert set(f["P6"]["rss_mb"]) == {
        "ledger",
        "ledger#2",
        "reporting",
        "splits",
        "recurring",
        "bot_gateway",
        "bot_gateway#2",
    }
    # The CPU each request cost the service (its replicas together) is measured.
    assert f["P1"]["ledger_cpu_ms_per_write"] > 0
    assert f["P7"]["gateway_cpu_ms_per_update"] > 0
    assert f["P7"]["answered"] == f["P7"]["updates"] >= 1

    figures_in_table = {row["figure"] for row in report["table"]}
    assert figures_in_table == set(f)
    for row in report["table"]:
        assert isinstance(row["met"], bool), row
        if row["limit"]:  # every figure beside its limit, as a number
            assert row["ratio"] is not None and math.isfinite(row["ratio"]), row
    assert "P1" in stdout and "limits on this machine" in stdout
