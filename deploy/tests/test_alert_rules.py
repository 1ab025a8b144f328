"""The alert rules in deploy/prometheus: unit-tested with promtool, on metrics the services export,
shipped to compose and the cluster alike, and each explained to the operator in deploy/README.md.

promtool comes from Debian's ``prometheus`` package (``deploy.local.prometheus_install``, which
unpacks it into ``.local/prometheus`` once).
"""

from __future__ import annotations

import importlib
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

from deploy.local.prometheus_install import ensure_prometheus

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
RULES = PROMETHEUS_DIR / "alerts.yml"
RULE_TESTS = PROMETHEUS_DIR / "alerts-test.yml"
README = REPO / "deploy" / "README.md"
K8S_RULE = REPO / "deploy" / "k8s" / "prometheus-rule.yaml"

#: Metrics that come from elsewhere than the services: Prometheus's own scrape health, and the
#: kubelet's volume statistics in a cluster.
EXTERNAL_METRICS = re.compile(r"^(up|kubelet_volume_stats_[a-z_]+)$")

#: A metric a service defines itself (``Counter("name", ...)`` and the like); read from the
#: source, since importing a service (the gateway's aiogram) takes seconds.
_DEFINED = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*\"([a-zA-Z_:][a-zA-Z0-9_:]*)\"")
_SUFFIXES = {
    "Counter": ("", "_total"),
    "Gauge": ("",),
    "Histogram": ("_bucket", "_count", "_sum"),
    "Summary": ("", "_count", "_sum"),
}

_PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "inf", "nan",
}  # fmt: skip


def rules() -> list[dict[str, Any]]:
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in data["groups"] for rule in group["rules"]]


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (not functions, labels or keywords)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)  # strings
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\b[a-zA-Z_][a-zA-Z0-9_]*\s*\(", "(", text)  # function names
    words = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", text))
    return {w for w in words if w.lower() not in _PROMQL_WORDS and not re.fullmatch(r"\d+\w*", w)}


def exported_names() -> set[str]:
    """The platform's metrics (its registry) and those the services define in their code."""
    importlib.import_module("sosenki_platform.metrics")
    names: set[str] = set()
    for metric in REGISTRY.collect():
        names.add(metric.name)
        names |= {sample.name for sample in metric.samples}
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
        names |= {metric.name + s for s in suffixes.get(metric.type, ())}
    for path in (REPO / "services").glob("*/src/**/*.py"):
        for kind, name in _DEFINED.findall(path.read_text(encoding="utf-8")):
            base = name.removesuffix("_total") if kind == "Counter" else name
            names |= {base + suffix for suffix in _SUFFIXES[kind]}
    return names


def unknown_metrics(rule_list: list[dict[str, Any]], exported: set[str]) -> list[str]:
    return [
        f"alert {rule['alert']} uses {name}, which no service exports"
        for rule in rule_list
        for name in sorted(metric_names(rule["expr"]))
        if name not in exported and not EXTERNAL_METRICS.match(name)
    ]


def test_promtool_checks_the_rules_and_their_unit_tests_pass() -> None:
    _, promtool = ensure_prometheus()
    check = subprocess.run(
        [str(promtool), "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    tested = subprocess.run(
        [str(promtool), "test", "rules", RULE_TESTS.name],
        cwd=PROMETHEUS_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_is_tested_both_quiet_and_firing() -> None:
    cases = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    quiet: set[str] = set()
    firing: set[str] = set()
    for case in cases:
        for check in case["alert_rule_test"]:
            (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in rules()}
    assert names - quiet == set(), f"never checked to stay quiet: {sorted(names - quiet)}"
    assert names - firing == set(), f"never checked to fire: {sorted(names - firing)}"


def test_the_required_alerts_exist() -> None:
    wanted = {
        "SosenkiServiceDown": "up",
        "SosenkiHighErrorRatio": "http_requests_total",
        "SosenkiSlowRequests": "http_request_duration_seconds_bucket",
        "SosenkiOutboxBacklog": "outbox_pending_events",
        "SosenkiOutboxStuck": "outbox_oldest_pending_timestamp_seconds",
        "SosenkiConsumerLag": "consumer_lag",
        "SosenkiConsumerNotApplying": "consumer_last_applied_timestamp_seconds",
        "SosenkiDeadLettersWaiting": "sosenki_dead_letters_waiting",
        "SosenkiTelegramQueueOld": "telegram_outgoing_oldest_pending_seconds",
        "SosenkiVolumeFillingUp": "kubelet_volume_stats_available_bytes",
    }
    by_name = {rule["alert"]: rule for rule in rules()}
    for alert, metric in wanted.items():
        assert alert in by_name, f"no alert {alert}"
        assert metric in metric_names(by_name[alert]["expr"]), (alert, by_name[alert]["expr"])
        assert by_name[alert]["labels"]["severity"] in ("warning", "critical"), alert
        assert by_name[alert]["annotations"].get("summary"), alert


def test_alert_rules_use_metrics_the_services_export() -> None:
    problems = unknown_metrics(rules(), exported_names())
    assert not problems, "\n".join(problems)


def test_the_metric_checker_notices_a_misspelt_metric() -> None:
    assert metric_names(
        'time() - min by (service) (outbox_oldest_pending_timestamp_seconds{a="b c"} > 0) > 300'
    ) == {"outbox_oldest_pending_timestamp_seconds"}
    assert metric_names("(a_b > 1) and on (service, topic) (sum by (le) (rate(c_d[5m])) > 0)") == {
        "a_b",
        "c_d",
    }
    exported = exported_names()
    assert "telegram_outgoing_oldest_pending_seconds" in exported  # the gateway's own
    assert "telegram_outgoing_sent_total" in exported
    bad = [{"alert": "X", "expr": "max(outbox_pendng_events) > 1 or up == 0"}]
    assert unknown_metrics(bad, exported) == [
        "alert X uses outbox_pendng_events, which no service exports"
    ]


def test_every_alert_is_explained_in_the_deploy_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = sorted(rule["alert"] for rule in rules() if f"`{rule['alert']}`" not in readme)
    assert not missing, f"deploy/README.md does not explain {missing}"


def test_compose_prometheus_loads_the_rules() -> None:
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text(encoding="utf-8"))
    assert "/etc/prometheus/alerts.yml" in config["rule_files"]
    # SosenkiServiceDown watches the targets labelled system="sosenki": every service's.
    labelled = {
        job["job_name"]
        for job in config["scrape_configs"]
        for static in job.get("static_configs", [])
        if (static.get("labels") or {}).get("system") == "sosenki"
    }
    assert {"ledger", "splits", "recurring", "bot-gateway", "reporting"} <= labelled, labelled
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    volumes = compose["services"]["prometheus"]["volumes"]
    assert "./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" in volumes


def test_the_cluster_gets_the_same_rules_as_a_prometheus_rule() -> None:
    (rule,) = [
        d
        for d in yaml.safe_load_all(K8S_RULE.read_text(encoding="utf-8"))
        if d and d.get("kind") == "PrometheusRule"
    ]
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    shipped = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    assert rule["spec"]["groups"] == shipped, (
        "deploy/k8s/prometheus-rule.yaml differs from deploy/prometheus/alerts.yml: "
        "regenerate it with `uv run python -m deploy.k8s_render`"
    )
