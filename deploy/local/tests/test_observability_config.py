"""The configurations ``up --observability`` writes: Prometheus's is valid for promtool (with the
shipped alert rules), labels only the services as SOSenki's, and Jaeger's takes OTLP."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from deploy.local.observability import ALERT_RULES, jaeger_config, prometheus_config
from deploy.local.prometheus_install import ensure_prometheus

SERVICES = {"ledger": "127.0.0.1:8001", "reporting": "127.0.0.1:8005"}


def test_prometheus_labels_the_services_and_nothing_else_as_sosenki() -> None:
    config = yaml.safe_load(
        prometheus_config(SERVICES, extra_jobs={"prometheus": "127.0.0.1:9090"})
    )
    jobs = {job["job_name"]: job["static_configs"][0] for job in config["scrape_configs"]}
    assert {name for name, c in jobs.items() if c.get("labels") == {"system": "sosenki"}} == set(
        SERVICES
    )
    assert jobs["prometheus"].get("labels") is None
    assert jobs["ledger"]["targets"] == ["127.0.0.1:8001"]
    assert config["rule_files"] == [str(ALERT_RULES)]


@pytest.mark.integration
def test_promtool_accepts_the_configuration(tmp_path: Path) -> None:
    _, promtool = ensure_prometheus()
    path = tmp_path / "prometheus.yml"
    path.write_text(prometheus_config(SERVICES, scrape_interval="1s"))
    checked = subprocess.run(
        [str(promtool), "check", "config", str(path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_jaeger_takes_otlp_and_serves_its_api_on_the_given_ports() -> None:
    config = yaml.safe_load(
        jaeger_config(otlp_grpc=1, otlp_http=2, ui=3, grpc_query=4, metrics=None)
    )
    otlp = config["receivers"]["otlp"]["protocols"]
    assert otlp["grpc"]["endpoint"] == "127.0.0.1:1"
    assert otlp["http"]["endpoint"] == "127.0.0.1:2"
    assert config["extensions"]["jaeger_query"]["http"]["endpoint"] == "127.0.0.1:3"
    assert config["service"]["pipelines"]["traces"]["receivers"] == ["otlp"]
