"""The cluster manifests, rendered as a cluster would get them (``kubectl kustomize``, offline),
checked for what a platform team asks: secrets by reference only, every setting a service needs,
NetworkPolicies that allow exactly the calls the code makes, scraping and alert rules, a
migration Job, autoscaling, a grace period longer than the platform's shutdown, the Ingress of
the bot gateway, and the optional operator overlays (Strimzi, CloudNativePG) in agreement with
``sosenki_contracts``.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from sosenki_contracts.access import SERVICES as ACCESS
from sosenki_contracts.topics import ALL_TOPICS
from sosenki_platform.kafka_acl import table_bindings
from sosenki_platform.settings import DEFAULT_PORTS
from sosenki_platform.topic_admin import topic_configs

from deploy import k8s_generate
from deploy.tests.test_compose_agrees_with_code import (
    SERVICES,
    deployment_required_settings,
    missing_settings,
)

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / "deploy" / "k8s"
OVERLAYS = REPO / "deploy" / "k8s-overlays"
SECRET_EXAMPLE = BASE / "secret.example.yaml"


def render(directory: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with its built-in kustomize) is needed to render deploy/k8s"
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


_RENDERED: dict[Path, list[dict[str, Any]]] = {}


def rendered(directory: Path = BASE) -> list[dict[str, Any]]:
    if directory not in _RENDERED:
        _RENDERED[directory] = render(directory)
    return copy.deepcopy(_RENDERED[directory])


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def container(deployment: Mapping[str, Any]) -> dict[str, Any]:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def present_settings(deployment: Mapping[str, Any], objects: list[dict[str, Any]]) -> set[str]:
    """The environment variables a Deployment's container gets (env and envFrom ConfigMaps)."""
    c = container(deployment)
    names = {e["name"] for e in c.get("env", []) if "value" in e or "valueFrom" in e}
    config_maps = by_kind(objects, "ConfigMap")
    for source in c.get("envFrom", []):
        ref = source.get("configMapRef") or {}
        names |= set((config_maps.get(ref.get("name", "")) or {}).get("data") or {})
    return names


def required_settings_problems(objects: list[dict[str, Any]]) -> list[str]:
    deployments = by_kind(objects, "Deployment")
    problems: list[str] = []
    for name, module in SERVICES.items():
        if name not in deployments:
            problems.append(f"no Deployment {name}")
            continue
        problems += missing_settings(
            f"k8s Deployment {name!r}",
            present_settings(deployments[name], objects),
            deployment_required_settings(module),
        )
    return problems


# ------------------------------------------------------------------------------ generated files


def test_the_generated_manifests_are_up_to_date() -> None:
    assert k8s_generate.main(["--check"]) == 0, (
        "run `uv run python -m deploy.k8s_generate` and commit the result"
    )


# ------------------------------------------------------------------------------------ secrets


@pytest.mark.parametrize("directory", [BASE, *sorted(OVERLAYS.iterdir())], ids=lambda p: p.name)
def test_secrets_are_referred_to_never_applied(directory: Path) -> None:
    objects = rendered(directory)
    secrets = [o["metadata"]["name"] for o in objects if o["kind"] == "Secret"]
    assert secrets == [], f"{directory.name} would apply the Secrets {secrets}"
    resources = yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"]
    assert "secret.example.yaml" not in resources


def test_every_secret_key_read_is_described_in_the_example() -> None:
    (example,) = yaml.safe_load_all(SECRET_EXAMPLE.read_text(encoding="utf-8"))
    keys = set(example["stringData"])
    read: set[str] = set()
    for directory in [BASE, *OVERLAYS.iterdir()]:
        text = yaml.safe_dump_all(rendered(directory))
        for ref in re.finditer(
            r"name: sosenki-secrets\n\s+key: (\S+)|key: (\S+)\n\s+name: sosenki-secrets", text
        ):
            read.add(ref.group(1) or ref.group(2))
        for deployment in by_kind(rendered(directory), "Deployment").values():
            for volume in deployment["spec"]["template"]["spec"].get("volumes", []):
                if (volume.get("secret") or {}).get("secretName") == "sosenki-secrets":
                    read |= {item["key"] for item in volume["secret"]["items"]}
    optional = {k for k in read if k.endswith("-service-token")}
    assert read - optional, "found no secret references at all"
    assert read - optional <= keys, f"not in secret.example.yaml: {sorted(read - optional - keys)}"


# ----------------------------------------------------------------------- settings of services


@pytest.mark.parametrize("directory", [BASE, *sorted(OVERLAYS.iterdir())], ids=lambda p: p.name)
def test_every_deployment_sets_what_its_service_needs(directory: Path) -> None:
    problems = required_settings_problems(rendered(directory))
    assert not problems, "\n".join(problems)


def test_a_missing_setting_is_noticed() -> None:
    objects = rendered()
    gateway = by_kind(objects, "Deployment")["bot-gateway"]
    env = gateway["spec"]["template"]["spec"]["containers"][0]["env"]
    env[:] = [e for e in env if e["name"] != "SOSENKI_LEDGER_URL"]
    problems = required_settings_problems(objects)
    assert len(problems) == 1 and "SOSENKI_LEDGER_URL" in problems[0], problems


def test_the_gateway_is_configured_for_webhook_mode_and_its_keys() -> None:
    objects = rendered()
    gateway = by_kind(objects, "Deployment")["bot-gateway"]
    c = container(gateway)
    env = {e["name"]: e for e in c["env"]}
    assert env["SOSENKI_TELEGRAM_MODE"]["value"] == "webhook"
    for secret in ("SOSENKI_TELEGRAM_BOT_TOKEN", "SOSENKI_TELEGRAM_WEBHOOK_SECRET"):
        assert "secretKeyRef" in env[secret]["valueFrom"], f"{secret} must come from the Secret"
    for target in ("ledger", "splits", "reporting"):
        url = urlsplit(env[f"SOSENKI_{target.upper()}_URL"]["value"])
        assert (url.hostname, url.port) == (target, DEFAULT_PORTS[target])
    # The private key is mounted for the gateway only, readable by the service user's group.
    pod = gateway["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["fsGroup"] == 10001
    key_dir = str(Path(env["SOSENKI_AUTH_PRIVATE_KEY_FILE"]["value"]).parent)
    (mount,) = [m for m in c["volumeMounts"] if m["mountPath"] == key_dir]
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert [i["key"] for i in volume["secret"]["items"]] == ["jwt-ed25519.pem"]
    assert volume["secret"]["defaultMode"] & 0o004 == 0, "the private key is world-readable"
    for name, deployment in by_kind(objects, "Deployment").items():
        if name != "bot-gateway":
            assert "jwt-ed25519.pem" not in yaml.safe_dump(deployment), name


# ----------------------------------------------------------------------------- network policy


def allowed_targets(policy: Mapping[str, Any]) -> set[str]:
    """Names of the SOSenki pods a policy's egress reaches."""
    return {
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for rule in policy["spec"].get("egress", [])
        for peer in rule.get("to", [])
        if "app.kubernetes.io/name" in ((peer.get("podSelector") or {}).get("matchLabels") or {})
    }


def network_problems(objects: list[dict[str, Any]]) -> list[str]:
    policies = by_kind(objects, "NetworkPolicy")
    problems: list[str] = []
    deny = policies.get("default-deny") or {"spec": {"podSelector": None, "policyTypes": []}}
    ours = {"matchLabels": {"app.kubernetes.io/part-of": "sosenki"}}
    if deny["spec"]["podSelector"] != ours or set(deny["spec"]["policyTypes"]) != {
        "Ingress",
        "Egress",
    }:
        problems.append("no default-deny NetworkPolicy for ingress and egress")
    graph = k8s_generate.calls()
    for name in SERVICES:
        policy = policies.get(name)
        if policy is None:
            problems.append(f"no NetworkPolicy for {name}")
            continue
        if allowed_targets(policy) != set(graph[name]):
            problems.append(
                f"{name} may reach {sorted(allowed_targets(policy))}, its code calls "
                f"{sorted(graph[name])}"
            )
        ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule.get("ports", [])}
        for needed, what in ((5432, "PostgreSQL"), (9092, "Kafka"), (53, "DNS")):
            if needed not in ports:
                problems.append(f"{name} cannot reach {what} ({needed})")
        callers = {
            peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
            for rule in policy["spec"]["ingress"]
            for peer in rule.get("from", [])
            if "podSelector" in peer
        }
        expected = {c for c, targets in graph.items() if name in targets}
        if callers != expected:
            problems.append(
                f"{name} is reachable from {sorted(callers)}, called by {sorted(expected)}"
            )
    return problems


def test_network_policies_allow_exactly_the_calls_the_code_makes() -> None:
    assert k8s_generate.calls()["bot-gateway"] == ["ledger", "reporting", "splits"]
    problems = network_problems(rendered())
    assert not problems, "\n".join(problems)
    # and the checker notices a policy that lets splits call the ledger
    objects = rendered()
    splits = by_kind(objects, "NetworkPolicy")["splits"]
    splits["spec"]["egress"].append(
        {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "ledger"}}}]}
    )
    assert network_problems(objects) == ["splits may reach ['ledger'], its code calls []"]


def test_every_pod_of_the_release_is_under_a_policy() -> None:
    """Each Deployment's and Job's pods are under default-deny and a policy of their own; the
    operator overlays' pods (Kafka, PostgreSQL) are under none of ours."""
    objects = rendered()
    (deny,) = [p for n, p in by_kind(objects, "NetworkPolicy").items() if n == "default-deny"]
    ours = deny["spec"]["podSelector"]["matchLabels"]
    selectors = [
        p["spec"]["podSelector"].get("matchLabels") or {}
        for p in by_kind(objects, "NetworkPolicy").values()
    ]
    for kind in ("Deployment", "Job"):
        for name, obj in by_kind(objects, kind).items():
            labels = obj["spec"]["template"]["metadata"]["labels"]
            assert ours.items() <= labels.items(), f"{kind} {name} escapes default-deny"
            specific = [s for s in selectors if s and s != ours and s.items() <= labels.items()]
            assert specific, f"{kind} {name}'s pods are only under default-deny: they reach nothing"


# ---------------------------------------------------------------------------- shutdown, scale


def shutdown_budget() -> float:
    """The longest a service may take to stop, from the platform's own timeouts."""
    runner = (REPO / "libs/platform/src/sosenki_platform/runner.py").read_text()
    kafka = (REPO / "libs/platform/src/sosenki_platform/kafka.py").read_text()
    outbox = (REPO / "libs/platform/src/sosenki_platform/outbox.py").read_text()
    sender = (REPO / "services/bot-gateway/src/bot_gateway/telegram/sender.py").read_text()
    numbers = [
        re.search(r"timeout_graceful_shutdown=([\d.]+)", runner),
        re.search(r"graceful_timeout=([\d.]+)", kafka),
        re.search(r"async def stop\(self, flush_timeout: float = ([\d.]+)\)", outbox),
        re.search(r"_RECORD_PATIENCE_ON_STOP = ([\d.]+)", sender),
    ]
    assert all(numbers), "a shutdown timeout moved: update this test"
    return sum(float(m.group(1)) for m in numbers if m)


def test_the_grace_period_outlasts_the_platforms_shutdown() -> None:
    budget = shutdown_budget()
    assert budget >= 45
    for name, deployment in by_kind(rendered(), "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        pre_stop = container(deployment)["lifecycle"]["preStop"]["exec"]["command"]
        assert pre_stop[0] == "sleep"
        needed = budget + float(pre_stop[1])
        assert pod["terminationGracePeriodSeconds"] >= needed, (
            f"{name}: {pod['terminationGracePeriodSeconds']} s of grace for a stop of {needed} s"
        )
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    grace = compose["services"]["ledger"]["stop_grace_period"]
    assert float(grace.rstrip("s")) >= budget


def test_every_service_autoscales_and_nothing_says_recurring_cannot() -> None:
    objects = rendered()
    hpas = by_kind(objects, "HorizontalPodAutoscaler")
    for name, deployment in by_kind(objects, "Deployment").items():
        assert "replicas" not in deployment["spec"], f"{name} pins replicas; the HPA sets them"
        hpa = hpas[name]
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    recurring = (BASE / "recurring.yaml").read_text()
    assert "One replica" not in recurring and "must not" not in recurring
    assert "SKIP LOCKED" in (REPO / "services/recurring/src/recurring/scheduler.py").read_text()
    pdbs = by_kind(objects, "PodDisruptionBudget")
    assert set(pdbs) == set(SERVICES)


# ------------------------------------------------------------------- migrations, observability


def test_a_migration_job_per_service() -> None:
    jobs = by_kind(rendered(), "Job")
    runner = (REPO / "libs/platform/src/sosenki_platform/runner.py").read_text()
    assert 'args.command == "migrate"' in runner
    for name, module in SERVICES.items():
        job = jobs[f"{name}-migrate"]
        c = job["spec"]["template"]["spec"]["containers"][0]
        assert c["command"] == ["python", "-m", module, "migrate"]
        (env,) = c["env"]
        assert env["valueFrom"]["secretKeyRef"]["key"] == f"{name}-database-url"
        assert job["spec"]["ttlSecondsAfterFinished"] > 0


def test_prometheus_operator_scrapes_every_service() -> None:
    objects = rendered()
    (monitor,) = by_kind(objects, "ServiceMonitor").values()
    selector = monitor["spec"]["selector"]["matchLabels"]
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert {"targetLabel": "system", "replacement": "sosenki"} in endpoint["relabelings"]
    for name in SERVICES:
        service = by_kind(objects, "Service")[name]
        assert selector.items() <= service["metadata"]["labels"].items(), name
        assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}, name
    assert by_kind(objects, "PrometheusRule"), "no PrometheusRule in the render"


def test_the_ingress_routes_the_webhook_and_the_mini_app_to_the_gateway() -> None:
    objects = rendered()
    (ingress,) = by_kind(objects, "Ingress").values()
    routes = (REPO / "services/bot-gateway/src/bot_gateway/api/routes.py").read_text()
    webhook_path = re.search(r'@router\.post\("(/telegram/[^"]+)"', routes)
    assert webhook_path and '@router.get("/miniapp"' in routes
    (rule,) = ingress["spec"]["rules"]
    paths = {p["path"]: p for p in rule["http"]["paths"]}
    for path in (webhook_path.group(1), "/miniapp"):
        backend = paths[path]["backend"]["service"]
        assert backend == {"name": "bot-gateway", "port": {"name": "http"}}, path
    assert paths["/miniapp"]["pathType"] == "Prefix"
    webhook_url = urlsplit(by_kind(objects, "ConfigMap")["sosenki-gateway"]["data"]["webhook-url"])
    assert (webhook_url.scheme, webhook_url.hostname, webhook_url.path) == (
        "https",
        rule["host"],
        webhook_path.group(1),
    )
    assert rule["host"] in ingress["spec"]["tls"][0]["hosts"]
    # The menu button opens <public-url>/miniapp: the same https host, routed here too.
    public_url = urlsplit(by_kind(objects, "ConfigMap")["sosenki-gateway"]["data"]["public-url"])
    assert (public_url.scheme, public_url.hostname) == ("https", rule["host"])


# ---------------------------------------------------------------------------- operator overlays


def test_strimzi_overlay_declares_the_tables_topics_users_and_acls() -> None:
    objects = rendered(OVERLAYS / "strimzi")
    assert "kafka-access" not in by_kind(objects, "Job"), "the Job and the operator would fight"
    (kafka,) = by_kind(objects, "Kafka").values()
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    config = by_kind(objects, "ConfigMap")["sosenki-config"]["data"]
    assert config["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"] == (
        f"{kafka['metadata']['name']}-kafka-bootstrap:{listener['port']}"
    )
    assert listener["authentication"]["type"] == "scram-sha-512"
    assert config["SOSENKI_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False

    topics = {t["spec"]["topicName"]: t["spec"] for t in by_kind(objects, "KafkaTopic").values()}
    assert set(topics) == set(ALL_TOPICS)
    for topic, spec in topics.items():
        assert spec["config"] == topic_configs(topic, 2), topic
        assert spec["replicas"] == 3 and spec["partitions"] >= 6

    users = by_kind(objects, "KafkaUser")
    assert set(users) == {row.service for row in ACCESS}
    wanted = {
        (b.principal.removeprefix("User:"), str(b).split(" ", 1)[1]) for b in table_bindings()
    }
    declared = set()
    for name, user in users.items():
        assert user["spec"]["authentication"]["type"] == listener["authentication"]["type"]
        ref = user["spec"]["authentication"]["password"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "sosenki-secrets", "key": f"{name}-kafka-password"}
        for acl in user["spec"]["authorization"]["acls"]:
            resource = acl["resource"]
            pattern = "prefixed" if resource.get("patternType") == "prefix" else "literal"
            (operation,) = acl["operations"]
            declared.add(
                (
                    name,
                    f"{operation} {resource['type']} {pattern} {resource.get('name', '')}".strip(),
                )
            )
    assert declared == wanted


def test_cloudnative_pg_overlay_makes_one_database_per_service() -> None:
    objects = rendered(OVERLAYS / "cloudnative-pg")
    (cluster,) = by_kind(objects, "Cluster").values()
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    databases = {initdb["database"]} | {
        d["spec"]["name"] for d in by_kind(objects, "Database").values()
    }
    assert databases == set(SERVICES.values())
    for database in by_kind(objects, "Database").values():
        assert database["spec"]["cluster"]["name"] == cluster["metadata"]["name"]
        assert database["spec"]["owner"] == initdb["owner"]
    assert cluster["metadata"]["name"] == k8s_generate.POSTGRES_CLUSTER  # the policies' label
    assert cluster["spec"]["instances"] >= 3
