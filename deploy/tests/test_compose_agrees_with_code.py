"""The deployment files agree with the code.

Nothing in ``docker-compose.yml``, ``deploy/`` or ``deploy/k8s`` can be run on a machine without
a Docker engine, so these tests read them and compare them with what the code says: the service
modules, the ``SOSENKI_*`` settings fields, the databases, the Kafka topics (and their
retention), the Prometheus targets, the metric names the dashboard queries, and the Grafana
data source uids.

Each check is a function returning a list of disagreements (empty when all agree); the tests
assert the list is empty, and a few tests feed the checkers deliberately wrong input to prove
they notice.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from prometheus_client import REGISTRY, CollectorRegistry
from sosenki_contracts.access import SERVICES as KAFKA_ACCESS
from sosenki_platform.kafka_acl import READ, TOPIC, WRITE, password_env, table_bindings
from sosenki_platform.settings import DEFAULT_PORTS, ServiceSettings

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
POSTGRES_INIT_SQL = REPO / "deploy" / "postgres" / "init" / "01-databases.sql"
PROMETHEUS_CONFIG = REPO / "deploy" / "prometheus" / "prometheus.yml"
TEMPO_CONFIG = REPO / "deploy" / "tempo" / "tempo.yaml"
GRAFANA_DIR = REPO / "deploy" / "grafana"
GRAFANA_DATASOURCES = GRAFANA_DIR / "provisioning" / "datasources" / "datasources.yaml"
GRAFANA_PROVIDERS = GRAFANA_DIR / "provisioning" / "dashboards" / "dashboards.yaml"
GRAFANA_DASHBOARDS_DIR = GRAFANA_DIR / "dashboards"
K8S_DIR = REPO / "deploy" / "k8s"

#: Service name (compose service, SOSENKI_SERVICE_NAME, k8s Deployment) -> Python module.
#: The service's database is named like its module.
SERVICES: dict[str, str] = {
    "ledger": "ledger",
    "splits": "splits",
    "recurring": "recurring",
    "bot-gateway": "bot_gateway",
    "reporting": "reporting",
}

ENV_PREFIX = "SOSENKI_"

#: Metrics the dashboard must show (the platform exports them; see sosenki_platform.metrics).
REQUIRED_DASHBOARD_METRICS = (
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "outbox_pending_events",
    "outbox_published_total",
    "consumer_events_total",
    "consumer_lag",
)


# ---------------------------------------------------------------------------------------------
# Reading the files
# ---------------------------------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    assert path.is_file(), f"{path.relative_to(REPO)} is missing"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_yaml_documents(path: Path) -> list[Any]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def compose() -> dict[str, Any]:
    data = load_yaml(COMPOSE_FILE)
    assert isinstance(data, dict) and isinstance(data.get("services"), dict), (
        "docker-compose.yml has no `services` mapping"
    )
    return data


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def environment_of(service: Mapping[str, Any]) -> dict[str, str]:
    """A compose service's environment as a dict, from either the mapping or the list form."""
    env = service.get("environment") or {}
    if isinstance(env, Mapping):
        return {str(k): _env_value(v) for k, v in env.items()}
    result: dict[str, str] = {}
    for item in env:
        key, _, value = str(item).partition("=")
        result[key] = value
    return result


def interpolated(value: str, environ: Mapping[str, str] | None = None) -> str:
    """``${VAR:-default}`` / ``${VAR}`` as compose substitutes them from ``environ``."""

    def substitute(match: re.Match[str]) -> str:
        return (environ or {}).get(match.group(1)) or (match.group(2) or "")

    return re.sub(r"\$\{(\w+)(?::?-([^}]*))?\}", substitute, value)


def command_of(service: Mapping[str, Any]) -> list[str]:
    cmd = service.get("command")
    if cmd is None:
        return []
    if isinstance(cmd, str):
        return shlex.split(cmd)
    return [str(c) for c in cmd]


def volume_targets(service: Mapping[str, Any]) -> dict[str, str]:
    """Container path -> source of each volume of a compose service (short or long syntax)."""
    targets: dict[str, str] = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, Mapping):
            targets[str(volume["target"])] = str(volume.get("source", ""))
        else:
            parts = str(volume).split(":")
            if len(parts) == 1:
                targets[parts[0]] = ""
            else:
                targets[parts[1]] = parts[0]
    return targets


def container_ports(service: Mapping[str, Any]) -> set[int]:
    ports: set[int] = set()
    for port in service.get("ports") or []:
        if isinstance(port, Mapping):
            ports.add(int(port["target"]))
        else:
            ports.add(int(str(port).split("/")[0].rsplit(":", 1)[-1]))
    return ports


def settings_class(module: str) -> type[ServiceSettings]:
    cls = importlib.import_module(f"{module}.settings").Settings
    assert isinstance(cls, type) and issubclass(cls, ServiceSettings), (
        f"{module}.settings.Settings is not a ServiceSettings subclass"
    )
    return cls


def settings_env_names(module: str) -> set[str]:
    """The environment variables ``<module>.settings.Settings`` reads (upper case)."""
    return {f"{ENV_PREFIX}{name}".upper() for name in settings_class(module).model_fields}


def all_settings_env_names() -> dict[str, set[str]]:
    return {name: settings_env_names(module) for name, module in SERVICES.items()}


_LOCAL_ONLY = re.compile(r"^(?:\w+://)?(?:127\.0\.0\.1|localhost)\b|^\.local/")

#: Set in every deployment although their defaults would run: who the service is, where it
#: listens, and how it signs in to Kafka.
ALWAYS_REQUIRED = {
    "SOSENKI_SERVICE_NAME",
    "SOSENKI_HTTP_PORT",
    "SOSENKI_HTTP_HOST",
    "SOSENKI_DATABASE_URL",
    "SOSENKI_KAFKA_SECURITY_PROTOCOL",
    "SOSENKI_KAFKA_SASL_USERNAME",
    "SOSENKI_KAFKA_SASL_PASSWORD",
}

#: Telegram: a deployment must say (even if empty, the bot then being off) how the bot runs.
TELEGRAM_SETTINGS = {
    "SOSENKI_TELEGRAM_BOT_TOKEN",
    "SOSENKI_TELEGRAM_WEBHOOK_SECRET",
    "SOSENKI_TELEGRAM_WEBHOOK_URL",
}


def deployment_required_settings(module: str) -> list[set[str]]:
    """What a deployment of ``module`` must set, from its Settings class: every field whose
    default only works on a developer's machine (127.0.0.1/localhost addresses, files under
    ``.local/``), plus ALWAYS_REQUIRED and, where the service has them, the Telegram settings.

    Each entry is a set of alternatives: ``X_FILE`` is satisfied by ``X`` (the value itself).
    """
    cls = settings_class(module)
    fields = {f"{ENV_PREFIX}{name}".upper(): f for name, f in cls.model_fields.items()}
    required: list[set[str]] = [{name} for name in sorted(ALWAYS_REQUIRED)]
    for env, field in sorted(fields.items()):
        if env in ALWAYS_REQUIRED or not isinstance(field.default, str):
            continue
        if _LOCAL_ONLY.search(field.default):
            alternatives = {env}
            if env.endswith("_FILE") and env.removesuffix("_FILE") in fields:
                alternatives.add(env.removesuffix("_FILE"))
            required.append(alternatives)
    required += [{env} for env in sorted(TELEGRAM_SETTINGS & set(fields))]
    return required


def missing_settings(where: str, present: Iterable[str], required: list[set[str]]) -> list[str]:
    names = {name.upper() for name in present}
    return [
        f"{where} does not set {' or '.join(sorted(alternatives))} (its default only works "
        "on a developer's machine, or a deployment must decide it)"
        for alternatives in required
        if not alternatives & names
    ]


# ---------------------------------------------------------------------------------------------
# Checkers: each returns the disagreements it finds
# ---------------------------------------------------------------------------------------------


def unknown_settings(where: str, env_names: Iterable[str], fields: set[str]) -> list[str]:
    """SOSENKI_* variables in ``env_names`` that are no settings field (case-insensitive)."""
    return [
        f"{where} sets {name}, which is no field of the service's Settings "
        "(<module>.settings.Settings, environment prefix SOSENKI_)"
        for name in sorted(env_names)
        if name.upper().startswith(ENV_PREFIX) and name.upper() not in fields
    ]


def compose_settings_problems(
    compose_data: Mapping[str, Any], fields_by_service: Mapping[str, set[str]]
) -> list[str]:
    """Every SOSENKI_* variable a compose service sets must be a field of its Settings."""
    problems: list[str] = []
    services = compose_data.get("services") or {}
    for name, fields in fields_by_service.items():
        if name not in services:
            problems.append(f"docker-compose.yml has no service {name!r}")
            continue
        env = environment_of(services[name])
        problems += unknown_settings(f"docker-compose.yml service {name!r}", env, fields)
    return problems


def created_databases_and_roles(sql: str) -> tuple[set[str], dict[str, str | None]]:
    """Databases and roles (with their password, if any) that an init SQL script creates."""
    databases = {
        m.group(1).strip('"').lower()
        for m in re.finditer(r"create\s+database\s+(\"?[\w-]+\"?)", sql, re.IGNORECASE)
    }
    roles: dict[str, str | None] = {}
    for m in re.finditer(
        r"create\s+(?:role|user)\s+(\"?\w+\"?)([^;]*);", sql, re.IGNORECASE | re.DOTALL
    ):
        password = re.search(r"password\s+'([^']*)'", m.group(2), re.IGNORECASE)
        roles[m.group(1).strip('"').lower()] = password.group(1) if password else None
    return databases, roles


ACL_TOOL = ["python", "-m", "sosenki_platform.kafka_acl", "apply"]
STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"


def _jaas_credentials(jaas: str) -> tuple[str | None, str | None]:
    user = re.search(r'username="([^"]*)"', jaas)
    password = re.search(r'password="([^"]*)"', jaas)
    return (user.group(1) if user else None, password.group(1) if password else None)


def compose_kafka_security_problems(compose_data: Mapping[str, Any]) -> list[str]:
    """The broker takes SASL/SCRAM only and authorises by ACL; kafka-init (the table's tool, as
    the admin) sets each service's password, and each service signs in as itself with it."""
    services = compose_data.get("services") or {}
    problems: list[str] = []
    broker = environment_of(services.get("kafka") or {})
    init_service = services.get("kafka-init") or {}
    init = environment_of(init_service)
    admin, admin_password = (
        init.get("SOSENKI_KAFKA_SASL_USERNAME"),
        init.get("SOSENKI_KAFKA_SASL_PASSWORD"),
    )

    if broker.get("KAFKA_AUTHORIZER_CLASS_NAME") != STANDARD_AUTHORIZER:
        problems.append("kafka does not authorise by ACL (KAFKA_AUTHORIZER_CLASS_NAME)")
    if broker.get("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND", "false").lower() != "false":
        problems.append("kafka lets everyone in where no ACL is found")
    if f"User:{admin}" not in broker.get("KAFKA_SUPER_USERS", "").split(";"):
        problems.append(f"kafka-init signs in as {admin!r}, which is no super user of kafka")
    mechanisms = set(broker.get("KAFKA_SASL_ENABLED_MECHANISMS", "").split(","))
    if mechanisms != {"SCRAM-SHA-256"}:
        problems.append(f"kafka enables SASL mechanisms {sorted(mechanisms)}, not SCRAM-SHA-256")
    protocols = dict(
        e.split(":", 1) for e in broker.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "").split(",")
    )
    controllers = set(broker.get("KAFKA_CONTROLLER_LISTENER_NAMES", "").split(","))
    for listener, protocol in protocols.items():
        if listener not in controllers and protocol != "SASL_PLAINTEXT":
            problems.append(f"kafka listener {listener} is {protocol}: clients must sign in")
    inter = broker.get("KAFKA_INTER_BROKER_LISTENER_NAME", "")
    jaas_key = f"KAFKA_LISTENER_NAME_{inter}_SCRAM___SHA___256_SASL_JAAS_CONFIG"
    if _jaas_credentials(broker.get(jaas_key, "")) != (admin, admin_password):
        problems.append(f"kafka's {jaas_key} does not sign in as kafka-init's admin")
    formatter = services.get("kafka-format") or {}
    if admin_password != environment_of(formatter).get("ADMIN_PASSWORD") or (
        f"name={admin}," not in "\n".join(command_of(formatter))
    ):
        problems.append("kafka-format does not write kafka-init's admin into the storage")

    if command_of(init_service) != ACL_TOOL:
        problems.append(f"kafka-init runs {command_of(init_service)}, not {' '.join(ACL_TOOL)}")
    for row in KAFKA_ACCESS:
        password = init.get(password_env(row.service))
        if not password:
            problems.append(
                f"kafka-init sets no password for {row.service} ({password_env(row.service)})"
            )
        env = environment_of(services.get(row.service) or {})
        where = f"compose service {row.service!r}"
        if env.get("SOSENKI_KAFKA_SECURITY_PROTOCOL") != "SASL_PLAINTEXT":
            problems.append(f"{where} does not sign in to Kafka (SOSENKI_KAFKA_SECURITY_PROTOCOL)")
        if env.get("SOSENKI_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256") not in mechanisms:
            problems.append(f"{where} uses a SASL mechanism kafka does not enable")
        if env.get("SOSENKI_KAFKA_SASL_USERNAME") != row.service:
            problems.append(
                f"{where} signs in to Kafka as {env.get('SOSENKI_KAFKA_SASL_USERNAME')!r}, "
                f"not as itself ({row.service!r}): its ACLs would be another's"
            )
        if password and env.get("SOSENKI_KAFKA_SASL_PASSWORD") != password:
            problems.append(f"{where}'s Kafka password is not the one kafka-init sets")
    return problems


def k8s_kafka_problems(
    deployments: Mapping[str, Mapping[str, Any]],
    jobs: Mapping[str, Mapping[str, Any]],
    config_maps: Mapping[str, Mapping[str, Any]],
) -> list[str]:
    """The same for deploy/k8s: the kafka-access Job runs the table's tool as the admin, with
    each service's password from the Secret, and each Deployment signs in as itself with the
    same Secret key (never a literal password)."""
    problems: list[str] = []
    config = {k: str(v) for cm in config_maps.values() for k, v in (cm.get("data") or {}).items()}
    if config.get("SOSENKI_KAFKA_SECURITY_PROTOCOL") != "SASL_PLAINTEXT":
        problems.append("sosenki-config does not make clients sign in to Kafka")
    job = jobs.get("kafka-access")
    if job is None:
        return [*problems, "deploy/k8s has no kafka-access Job (users and ACLs from the table)"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    if [str(c) for c in container.get("command", [])] != ACL_TOOL:
        problems.append(f"the kafka-access Job runs {container.get('command')}, not the tool")
    job_env = {e["name"]: e for e in container.get("env", [])}
    admin_password = job_env.get("SOSENKI_KAFKA_SASL_PASSWORD") or {}
    if "secretKeyRef" not in (admin_password.get("valueFrom") or {}):
        problems.append("the kafka-access Job's admin password is not taken from a Secret")
    for row in KAFKA_ACCESS:
        ref = ((job_env.get(password_env(row.service)) or {}).get("valueFrom") or {}).get(
            "secretKeyRef"
        )
        if not ref:
            problems.append(f"the kafka-access Job sets no password for {row.service}")
        deployment = deployments.get(row.service)
        if deployment is None:
            continue
        (service,) = deployment["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in service.get("env", [])}
        where = f"k8s Deployment {row.service!r}"
        if str((env.get("SOSENKI_KAFKA_SASL_USERNAME") or {}).get("value")) != row.service:
            problems.append(f"{where} does not sign in to Kafka as {row.service!r}")
        password = env.get("SOSENKI_KAFKA_SASL_PASSWORD") or {}
        if "value" in password:
            problems.append(f"{where} spells its Kafka password out: take it from the Secret")
        elif ref and (password.get("valueFrom") or {}).get("secretKeyRef") != ref:
            problems.append(f"{where}'s Kafka password is not the Secret key the Job sets ({ref})")
    return problems


def prometheus_targets(config: Mapping[str, Any]) -> dict[str, str]:
    """host:port -> metrics path of every static target in a Prometheus config."""
    targets: dict[str, str] = {}
    for job in config.get("scrape_configs") or []:
        path = str(job.get("metrics_path", "/metrics"))
        for static in job.get("static_configs") or []:
            for target in static.get("targets") or []:
                targets[str(target)] = path
    return targets


def datasource_uids_used(node: Any) -> set[str]:
    """Every data source uid a dashboard JSON refers to (panels, targets, variables)."""
    uids: set[str] = set()
    if isinstance(node, Mapping):
        ds = node.get("datasource")
        if isinstance(ds, Mapping) and isinstance(ds.get("uid"), str):
            uids.add(ds["uid"])
        elif isinstance(ds, str) and not ds.startswith("$"):
            uids.add(ds)
        for value in node.values():
            uids |= datasource_uids_used(value)
    elif isinstance(node, list):
        for value in node:
            uids |= datasource_uids_used(value)
    return uids


BUILTIN_DATASOURCE_UIDS = {"-- Grafana --", "-- Dashboard --", "-- Mixed --", "grafana"}


def dashboard_datasource_problems(dashboard: Any, provisioned: set[str], name: str) -> list[str]:
    return [
        f"dashboard {name} uses data source uid {uid!r}, but only {sorted(provisioned)} "
        "are provisioned"
        for uid in sorted(datasource_uids_used(dashboard) - provisioned - BUILTIN_DATASOURCE_UIDS)
    ]


def promql_expressions(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        if isinstance(node.get("expr"), str):
            yield node["expr"]
        for value in node.values():
            yield from promql_expressions(value)
    elif isinstance(node, list):
        for value in node:
            yield from promql_expressions(value)


_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{")


def metric_names_in(expr: str) -> set[str]:
    """Names of the metric selectors (``name{...}``) in a PromQL expression."""
    return set(_SELECTOR.findall(expr))


def sample_names(registry: CollectorRegistry) -> set[str]:
    """Every sample name the collectors of ``registry`` can expose."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_count", "_sum", "_created"),
        "summary": ("", "_count", "_sum", "_created"),
        "gauge": ("",),
        "info": ("_info",),
    }
    names: set[str] = set()
    for metric in registry.collect():
        for suffix in suffixes.get(metric.type, ("",)):
            names.add(metric.name + suffix)
        names |= {sample.name for sample in metric.samples}
    return names


def exported_metric_names() -> set[str]:
    """What the services expose: the platform's metrics (default registry, served on /metrics)
    and reporting's business metrics, plus FastStream's Kafka middleware metrics, plus
    Prometheus's own ``up``."""
    importlib.import_module("sosenki_platform.metrics")
    importlib.import_module("reporting.business_metrics")
    from faststream.kafka.prometheus import KafkaPrometheusMiddleware

    faststream_registry = CollectorRegistry()
    KafkaPrometheusMiddleware(registry=faststream_registry, app_name="probe")
    return sample_names(REGISTRY) | sample_names(faststream_registry) | {"up"}


# ---------------------------------------------------------------------------------------------
# docker-compose.yml and the Dockerfile
# ---------------------------------------------------------------------------------------------


def test_compose_has_every_service() -> None:
    services = compose()["services"]
    missing = sorted(set(SERVICES) - set(services))
    assert not missing, f"docker-compose.yml lacks the services {missing}"
    assert set(SERVICES) == set(DEFAULT_PORTS), (
        f"this test knows the services {sorted(SERVICES)}, "
        f"sosenki_platform.settings.DEFAULT_PORTS knows {sorted(DEFAULT_PORTS)}"
    )


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_compose_service_runs_its_module_from_the_dockerfile(name: str) -> None:
    service = compose()["services"][name]
    module = SERVICES[name]
    assert command_of(service) == ["python", "-m", module], (
        f"compose service {name!r} runs {command_of(service)}, expected python -m {module}"
    )
    build = service.get("build")
    assert build is not None, f"compose service {name!r} is not built from the Dockerfile"
    context = build if isinstance(build, str) else str(build.get("context", "."))
    dockerfile = (
        "Dockerfile" if isinstance(build, str) else str(build.get("dockerfile", "Dockerfile"))
    )
    assert (REPO / context / dockerfile).resolve() == DOCKERFILE, (
        f"compose service {name!r} builds {context}/{dockerfile}, not the root Dockerfile"
    )


def test_dockerfile_installs_every_workspace_member() -> None:
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    members = sorted(
        p.parent.relative_to(REPO).as_posix()
        for pattern in ("libs/*/pyproject.toml", "services/*/pyproject.toml")
        for p in REPO.glob(pattern)
    )
    problems = [
        f"the Dockerfile does not copy {member}/pyproject.toml before `uv sync`: "
        "its dependencies would be missing from the image's dependency layer"
        for member in members
        if f"COPY {member}/pyproject.toml" not in dockerfile
    ]
    if "uv sync --frozen --no-dev --all-packages" not in dockerfile:
        problems.append("the Dockerfile does not run `uv sync --frozen --no-dev --all-packages`")
    ignored = {
        line.strip().strip("/")
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    problems += [
        f".dockerignore excludes {needed}, which the image is built from"
        for needed in ("uv.lock", "pyproject.toml", "libs", "services")
        if needed in ignored
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_module_has_a_main(name: str) -> None:
    module = SERVICES[name]
    assert importlib.util.find_spec(module) is not None, f"there is no module {module}"
    assert importlib.util.find_spec(f"{module}.__main__") is not None, (
        f"`python -m {module}` cannot run: {module}/__main__.py does not exist"
    )


def test_compose_sets_only_settings_fields() -> None:
    problems = compose_settings_problems(compose(), all_settings_env_names())
    assert not problems, "\n".join(problems)


def test_compose_sets_every_setting_a_deployment_needs() -> None:
    services = compose()["services"]
    problems: list[str] = []
    for name, module in SERVICES.items():
        env = environment_of(services[name])
        problems += missing_settings(
            f"compose service {name!r}", env, deployment_required_settings(module)
        )
    assert not problems, "\n".join(problems)


def test_required_settings_come_from_the_settings_classes() -> None:
    gateway = deployment_required_settings("bot_gateway")
    for expected in (
        {"SOSENKI_LEDGER_URL"},
        {"SOSENKI_SPLITS_URL"},
        {"SOSENKI_REPORTING_URL"},
        {"SOSENKI_KAFKA_BOOTSTRAP_SERVERS"},
        {"SOSENKI_AUTH_PRIVATE_KEY_FILE", "SOSENKI_AUTH_PRIVATE_KEY"},
        {"SOSENKI_AUTH_PUBLIC_KEY_FILE", "SOSENKI_AUTH_PUBLIC_KEY"},
        {"SOSENKI_TELEGRAM_WEBHOOK_SECRET"},
    ):
        assert expected in gateway, (expected, gateway)
    assert {"SOSENKI_LEDGER_URL"} not in deployment_required_settings("ledger")
    env = environment_of(compose()["services"]["bot-gateway"])
    del env["SOSENKI_SPLITS_URL"]
    env["SOSENKI_AUTH_PRIVATE_KEY"] = env.pop("SOSENKI_AUTH_PRIVATE_KEY_FILE")
    assert missing_settings("gw", env, gateway) == [
        "gw does not set SOSENKI_SPLITS_URL (its default only works on a developer's machine, "
        "or a deployment must decide it)"
    ]


def test_compose_key_files_are_readable_by_the_service_user() -> None:
    """Each key file a service reads lies on a volume that keygen fills as uid 10001 (the
    Dockerfile's USER): host files would keep the host user's owner and mode."""
    assert "USER 10001:10001" in DOCKERFILE.read_text(encoding="utf-8")
    services = compose()["services"]
    keygen = services["keygen"]
    keygen_mounts = volume_targets(keygen)
    keygen_script = "\n".join(command_of(keygen))
    problems: list[str] = []
    for name in SERVICES:
        env = environment_of(services[name])
        mounts = volume_targets(services[name])
        for key, path in env.items():
            if not (key.startswith("SOSENKI_AUTH_") and key.endswith("_KEY_FILE")):
                continue
            directory = str(PurePosixPath(path).parent)
            volume = mounts.get(directory)
            if volume is None or volume.startswith("."):
                problems.append(f"{name}: {key}={path} is not on a named volume keygen fills")
                continue
            targets = [t for t, v in keygen_mounts.items() if v == volume]
            filled = any(
                re.search(
                    rf"install -o 10001 -g 10001 -m 0[46]00 \S*{PurePosixPath(path).name} {t}/",
                    keygen_script,
                )
                or re.search(
                    rf"install -o 10001 -g 10001 -m 0444 \S*{PurePosixPath(path).name} {t}/",
                    keygen_script,
                )
                for t in targets
            )
            if not filled:
                problems.append(f"{name}: keygen does not put {path} on {volume} for uid 10001")
    private_readers = [n for n in SERVICES if "jwt-private" in volume_targets(services[n]).values()]
    if private_readers != ["bot-gateway"]:
        problems.append(
            f"the private signing key is mounted in {private_readers}, not the gateway only"
        )
    assert not problems, "\n".join(problems)


def test_compose_gateway_calls_the_services_by_their_compose_names() -> None:
    services = compose()["services"]
    env = environment_of(services["bot-gateway"])
    for target in ("ledger", "splits", "reporting"):
        url = urlsplit(env[f"SOSENKI_{target.upper()}_URL"])
        assert (url.hostname, url.port) == (target, DEFAULT_PORTS[target]), url.geturl()


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_compose_environment_parses_into_the_service_settings(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = compose()["services"][name]
    env = environment_of(service)
    for key in list(os.environ):
        if key.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, interpolated(value))
    settings = settings_class(SERVICES[name])()
    assert settings.service_name == name, (
        f"compose service {name!r} runs with SOSENKI_SERVICE_NAME={settings.service_name!r}"
    )
    assert settings.http_port == DEFAULT_PORTS[name], (
        f"compose service {name!r} listens on {settings.http_port}, "
        f"DEFAULT_PORTS says {DEFAULT_PORTS[name]}"
    )
    assert settings.http_host == "0.0.0.0", (
        f"compose service {name!r} listens on {settings.http_host}: unreachable from other "
        "containers (set SOSENKI_HTTP_HOST=0.0.0.0)"
    )
    assert settings.http_port in container_ports(service), (
        f"compose service {name!r} does not publish its port {settings.http_port}"
    )
    assert settings.log_json, f"compose service {name!r} does not log JSON"


def test_compose_auth_key_file_is_mounted() -> None:
    services = compose()["services"]
    problems: list[str] = []
    for name in SERVICES:
        service = services[name]
        key_file = environment_of(service).get("SOSENKI_AUTH_PUBLIC_KEY_FILE")
        if not key_file:
            problems.append(f"compose service {name!r} does not set SOSENKI_AUTH_PUBLIC_KEY_FILE")
            continue
        mounts = volume_targets(service)
        if str(PurePosixPath(key_file).parent) not in mounts and key_file not in mounts:
            problems.append(
                f"compose service {name!r} reads its public key from {key_file}, "
                f"but mounts only {sorted(mounts)}"
            )
    assert not problems, "\n".join(problems)


def test_compose_depends_on_existing_services() -> None:
    services = compose()["services"]
    problems = [
        f"compose service {name!r} depends on {dep!r}, which is not a service"
        for name, service in services.items()
        for dep in (service.get("depends_on") or [])
        if dep not in services
    ]
    assert not problems, "\n".join(problems)
    for name in SERVICES:
        deps = services[name].get("depends_on") or {}
        for needed in ("postgres", "kafka-init"):
            assert needed in deps, f"compose service {name!r} does not wait for {needed}"


def test_database_urls_name_databases_the_init_script_creates() -> None:
    databases, roles = created_databases_and_roles(POSTGRES_INIT_SQL.read_text(encoding="utf-8"))
    services = compose()["services"]
    problems: list[str] = []
    postgres = services.get("postgres")
    if postgres is None:
        problems.append("docker-compose.yml has no postgres service")
    elif volume_targets(postgres).get("/docker-entrypoint-initdb.d", "").rstrip("/") not in (
        "./deploy/postgres/init",
        "deploy/postgres/init",
    ):
        problems.append("the postgres service does not mount deploy/postgres/init as its init dir")
    for name, module in SERVICES.items():
        url = environment_of(services[name]).get("SOSENKI_DATABASE_URL", "")
        parts = urlsplit(url)
        db = parts.path.lstrip("/")
        where = f"compose service {name!r} (SOSENKI_DATABASE_URL={url!r})"
        if not parts.scheme.startswith("postgresql+asyncpg"):
            problems.append(f"{where}: not a postgresql+asyncpg URL")
        if parts.hostname not in services:
            problems.append(f"{where}: host {parts.hostname!r} is no compose service")
        if db not in databases:
            problems.append(f"{where}: database {db!r} is not created by {POSTGRES_INIT_SQL.name}")
        if db != module:
            problems.append(f"{where}: database should be {module!r}, one per service")
        user = (parts.username or "").lower()
        if user not in roles:
            problems.append(f"{where}: role {user!r} is not created by {POSTGRES_INIT_SQL.name}")
        elif roles[user] != parts.password:
            problems.append(f"{where}: password differs from the one {POSTGRES_INIT_SQL.name} sets")
    assert not problems, "\n".join(problems)


def test_kafka_bootstrap_is_an_internal_advertised_listener() -> None:
    services = compose()["services"]
    kafka_env = environment_of(services["kafka"])
    advertised = {
        name: address.removeprefix("//")
        for name, _, address in (
            entry.strip().partition(":")
            for entry in kafka_env["KAFKA_ADVERTISED_LISTENERS"].split(",")
        )
    }
    protocol_map = dict(
        entry.split(":", 1)
        for entry in kafka_env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    listener_names = {e.split(":", 1)[0] for e in kafka_env["KAFKA_LISTENERS"].split(",")}
    problems = [
        f"kafka advertises listener {listener}, which KAFKA_LISTENERS/"
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP do not define"
        for listener in advertised
        if listener not in listener_names or listener not in protocol_map
    ]
    if "broker" not in kafka_env.get(
        "KAFKA_PROCESS_ROLES", ""
    ) or "controller" not in kafka_env.get("KAFKA_PROCESS_ROLES", ""):
        problems.append("kafka is not a single KRaft node (KAFKA_PROCESS_ROLES=broker,controller)")
    for name in SERVICES:
        bootstrap = environment_of(services[name]).get("SOSENKI_KAFKA_BOOTSTRAP_SERVERS", "")
        for server in bootstrap.split(","):
            if server not in advertised.values():
                problems.append(
                    f"compose service {name!r} bootstraps from {server!r}; kafka advertises "
                    f"{sorted(advertised.values())}"
                )
            elif server.split(":")[0] not in services:
                problems.append(
                    f"compose service {name!r} bootstraps from {server!r}, not the internal "
                    "listener on the compose network"
                )
    assert not problems, "\n".join(problems)


def test_kafka_init_creates_topics_users_and_acls_from_the_code() -> None:
    services = compose()["services"]
    assert "kafka-init" in services, "docker-compose.yml has no kafka-init service"
    init = services["kafka-init"]
    problems: list[str] = []
    # The tool creates sosenki_contracts ALL_TOPICS with topic_admin.topic_configs and the ACLs
    # of sosenki_contracts.access: nothing to copy here, so nothing to drift.
    if command_of(init) != ACL_TOOL or init.get("image") != "sosenki:local":
        problems.append(f"kafka-init runs {init.get('image')} {command_of(init)}, not the tool")
    partitions = int(environment_of(init).get("SOSENKI_TOPIC_PARTITIONS", "6"))
    if partitions < 2:
        problems.append(f"kafka-init creates topics with {partitions} partition(s)")
    deps = init.get("depends_on") or {}
    if not isinstance(deps, Mapping) or deps.get("kafka", {}).get("condition") != "service_healthy":
        problems.append("kafka-init does not wait for kafka to be healthy")
    assert not problems, "\n".join(problems)


def test_compose_kafka_signs_everyone_in_and_each_service_as_itself() -> None:
    problems = compose_kafka_security_problems(compose())
    assert not problems, "\n".join(problems)


def test_the_acls_the_tool_applies_are_the_tables() -> None:
    bindings = table_bindings()
    for row in KAFKA_ACCESS:
        mine = [b for b in bindings if b.principal == row.principal]
        writes = {b.resource_name for b in mine if b.operation == WRITE}
        reads = {b.resource_name for b in mine if b.operation == READ and b.resource_type == TOPIC}
        assert writes == set(row.writes), row.service
        assert reads == {*row.consumes, *row.dead_letter_topics}, row.service
        groups = {b.resource_name for b in mine if b.resource_type != TOPIC}
        assert groups == {row.consumer_group, row.dead_letter_group}, row.service
    assert {b.principal for b in bindings} == {row.principal for row in KAFKA_ACCESS}


def test_prometheus_scrapes_every_service() -> None:
    targets = prometheus_targets(load_yaml(PROMETHEUS_CONFIG))
    services = compose()["services"]
    problems: list[str] = []
    for name in SERVICES:
        target = f"{name}:{DEFAULT_PORTS[name]}"
        if target not in targets:
            problems.append(f"prometheus.yml does not scrape {target} (has {sorted(targets)})")
        elif targets[target] != "/metrics":
            problems.append(f"prometheus.yml scrapes {target}{targets[target]}, not /metrics")
    prometheus = services.get("prometheus")
    if prometheus is None or "/etc/prometheus/prometheus.yml" not in volume_targets(prometheus):
        problems.append("the prometheus service does not mount deploy/prometheus/prometheus.yml")
    assert not problems, "\n".join(problems)


def test_traces_go_to_tempo_otlp_http() -> None:
    services = compose()["services"]
    tempo = load_yaml(TEMPO_CONFIG)
    http = tempo["distributor"]["receivers"]["otlp"]["protocols"]["http"]
    tempo_port = str(http.get("endpoint", "0.0.0.0:4318")).rsplit(":", 1)[-1]
    problems: list[str] = []
    for name in SERVICES:
        endpoint = urlsplit(environment_of(services[name]).get("SOSENKI_OTLP_ENDPOINT", ""))
        if endpoint.hostname != "tempo" or str(endpoint.port) != tempo_port:
            problems.append(
                f"compose service {name!r} sends traces to {endpoint.geturl()!r}; Tempo "
                f"receives OTLP/HTTP on tempo:{tempo_port}"
            )
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# Grafana
# ---------------------------------------------------------------------------------------------


def provisioned_datasources() -> dict[str, dict[str, Any]]:
    data = load_yaml(GRAFANA_DATASOURCES)
    return {str(ds["uid"]): ds for ds in data["datasources"]}


def dashboards() -> dict[str, Any]:
    files = sorted(GRAFANA_DASHBOARDS_DIR.glob("*.json"))
    assert files, "deploy/grafana/dashboards has no dashboard"
    result: dict[str, Any] = {}
    for path in files:
        try:
            result[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:  # pragma: no cover - the assertion says it all
            pytest.fail(f"{path.relative_to(REPO)} is not valid JSON: {exc}")
    return result


def test_grafana_datasources_point_at_compose_services() -> None:
    services = compose()["services"]
    sources = provisioned_datasources()
    types = {ds["type"] for ds in sources.values()}
    assert {"prometheus", "tempo"} <= types, f"provisioned data source types: {sorted(types)}"
    for uid, ds in sources.items():
        host = urlsplit(str(ds["url"])).hostname
        assert host in services, f"data source {uid} points at {ds['url']}: no such service"


def test_grafana_dashboards_use_provisioned_datasources() -> None:
    provisioned = set(provisioned_datasources())
    problems: list[str] = []
    for name, dashboard in dashboards().items():
        assert dashboard.get("uid") and dashboard.get("panels"), f"{name} has no uid or no panels"
        problems += dashboard_datasource_problems(dashboard, provisioned, name)
    assert not problems, "\n".join(problems)


def test_grafana_dashboards_query_exported_metrics() -> None:
    exported = exported_metric_names()
    problems: list[str] = []
    used: set[str] = set()
    for name, dashboard in dashboards().items():
        for expr in promql_expressions(dashboard):
            names = metric_names_in(expr)
            used |= names
            problems += [
                f"dashboard {name} queries {metric}, which neither the platform nor FastStream "
                f"exports: {expr}"
                for metric in sorted(names - exported)
            ]
    problems += [
        f"no dashboard shows {metric}"
        for metric in REQUIRED_DASHBOARD_METRICS
        if metric not in used
    ]
    if not any(metric.startswith("faststream_") for metric in used):
        problems.append("no dashboard shows FastStream's metrics (faststream_*)")
    assert not problems, "\n".join(problems)


def test_grafana_dashboard_provider_path_is_mounted() -> None:
    grafana = compose()["services"]["grafana"]
    mounts = volume_targets(grafana)
    providers = load_yaml(GRAFANA_PROVIDERS)["providers"]
    for provider in providers:
        path = provider["options"]["path"]
        assert mounts.get(path, "").rstrip("/") in ("./deploy/grafana/dashboards",), (
            f"dashboard provider {provider['name']} reads {path}, where compose mounts "
            f"{mounts.get(path)!r} instead of ./deploy/grafana/dashboards"
        )
    assert (
        mounts.get("/etc/grafana/provisioning", "").rstrip("/") == "./deploy/grafana/provisioning"
    )


# ---------------------------------------------------------------------------------------------
# Kubernetes manifests
# ---------------------------------------------------------------------------------------------


def k8s_objects() -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        objects += load_yaml_documents(path)
    return objects


def k8s_by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in k8s_objects() if o.get("kind") == kind}


def k8s_deployment_problems(
    name: str,
    deployment: Mapping[str, Any],
    fields: set[str],
    config_maps: Mapping[str, Mapping[str, Any]],
    secrets: Mapping[str, Mapping[str, Any]],
) -> list[str]:
    problems: list[str] = []
    where = f"k8s Deployment {name!r}"
    pod = deployment["spec"]["template"]
    containers = pod["spec"]["containers"]
    if len(containers) != 1:
        return [f"{where} has {len(containers)} containers, expected one"]
    container = containers[0]
    module = SERVICES[name]
    if [str(c) for c in container.get("command", [])] != ["python", "-m", module]:
        problems.append(f"{where} runs {container.get('command')}, expected python -m {module}")

    env = {e["name"]: e for e in container.get("env", [])}
    problems += unknown_settings(where, env, fields)
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef") or source.get("secretRef") or {}
        data = config_maps.get(ref.get("name", "")) or secrets.get(ref.get("name", ""))
        if data is None:
            problems.append(f"{where} takes its environment from {ref}, which does not exist")
            continue
        keys = {**(data.get("data") or {}), **(data.get("stringData") or {})}
        problems += unknown_settings(f"{where} (via {ref['name']})", keys, fields)
        env.update({k: {"name": k, "value": v} for k, v in keys.items()})
    for item in container.get("env", []):
        secret_ref = (item.get("valueFrom") or {}).get("secretKeyRef")
        if secret_ref and not secret_ref.get("optional"):
            secret = secrets.get(secret_ref["name"])
            secret_keys = set((secret or {}).get("stringData") or {}) | set(
                (secret or {}).get("data") or {}
            )
            if secret_ref["key"] not in secret_keys:
                problems.append(
                    f"{where} reads {item['name']} from Secret {secret_ref['name']} key "
                    f"{secret_ref['key']!r}, which the Secret does not have"
                )

    port = DEFAULT_PORTS[name]
    if str((env.get("SOSENKI_SERVICE_NAME") or {}).get("value")) != name:
        problems.append(f"{where} does not set SOSENKI_SERVICE_NAME={name}")
    if str((env.get("SOSENKI_HTTP_PORT") or {}).get("value", port)) != str(port):
        problems.append(f"{where} sets SOSENKI_HTTP_PORT to {env['SOSENKI_HTTP_PORT']}, not {port}")
    if "SOSENKI_DATABASE_URL" not in env:
        problems.append(f"{where} does not set SOSENKI_DATABASE_URL")
    named_ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    if port not in named_ports.values():
        problems.append(f"{where} does not expose port {port} (has {named_ports})")
    for probe, path in (("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live")):
        http_get = (container.get(probe) or {}).get("httpGet") or {}
        probe_port = named_ports.get(http_get.get("port"), http_get.get("port"))
        if http_get.get("path") != path or probe_port != port:
            problems.append(f"{where} {probe} is {http_get}, expected GET {path} on {port}")
    if not (container.get("resources") or {}).get("requests") or not (
        container.get("resources") or {}
    ).get("limits"):
        problems.append(f"{where} has no resource requests and limits")
    annotations = pod.get("metadata", {}).get("annotations") or {}
    if annotations.get("prometheus.io/scrape") != "true" or annotations.get(
        "prometheus.io/port"
    ) != str(port):
        problems.append(f"{where} lacks prometheus.io/scrape and prometheus.io/port={port}")

    key_file = str((env.get("SOSENKI_AUTH_PUBLIC_KEY_FILE") or {}).get("value", ""))
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    key_dir = str(PurePosixPath(key_file).parent)
    if not key_file or key_dir not in mounts:
        problems.append(f"{where} reads the public key from {key_file!r}, which is not mounted")
    else:
        volume = next(v for v in pod["spec"].get("volumes", []) if v["name"] == mounts[key_dir])
        items = {i["path"] for i in (volume.get("secret") or {}).get("items", [])}
        if items and PurePosixPath(key_file).name not in items:
            problems.append(f"{where}: volume {volume['name']} has no file {key_file}")
    return problems


def test_k8s_has_a_deployment_and_service_for_every_service() -> None:
    deployments = k8s_by_kind("Deployment")
    k8s_services = k8s_by_kind("Service")
    missing = sorted(set(SERVICES) - set(deployments))
    assert not missing, f"deploy/k8s has no Deployment for {missing}"
    for name in SERVICES:
        assert name in k8s_services, f"deploy/k8s has no Service {name!r}"
        selector = k8s_services[name]["spec"]["selector"]
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), (
            f"Service {name!r} selects {selector}, its pods are labelled {labels}"
        )
        ports = k8s_services[name]["spec"]["ports"]
        assert any(p.get("targetPort") in ("http", DEFAULT_PORTS[name]) for p in ports), (
            f"Service {name!r} does not forward to the container's http port"
        )


def test_k8s_deployments_agree_with_settings() -> None:
    deployments = k8s_by_kind("Deployment")
    config_maps = k8s_by_kind("ConfigMap")
    secrets = k8s_by_kind("Secret")
    fields = all_settings_env_names()
    problems: list[str] = []
    for name in SERVICES:
        if name in deployments:
            problems += k8s_deployment_problems(
                name, deployments[name], fields[name], config_maps, secrets
            )
    assert not problems, "\n".join(problems)


def test_k8s_kafka_signs_every_service_in_as_itself() -> None:
    problems = k8s_kafka_problems(
        k8s_by_kind("Deployment"), k8s_by_kind("Job"), k8s_by_kind("ConfigMap")
    )
    assert not problems, "\n".join(problems)


def test_k8s_kustomization_lists_every_manifest() -> None:
    kustomization = load_yaml(K8S_DIR / "kustomization.yaml")
    listed = set(kustomization.get("resources") or [])
    # secret.example.yaml documents the Secret the manifests refer to; it is never applied.
    present = {p.name for p in K8S_DIR.glob("*.yaml")} - {
        "kustomization.yaml",
        "secret.example.yaml",
    }
    assert listed == present, (
        f"kustomization.yaml lists {sorted(listed)}, deploy/k8s holds {sorted(present)}"
    )
    assert any(k.get("kind") == "Namespace" for k in k8s_objects()), "no Namespace manifest"


# ---------------------------------------------------------------------------------------------
# The checkers notice disagreement
# ---------------------------------------------------------------------------------------------


def test_checker_reports_a_variable_that_is_no_setting() -> None:
    fields = {"ledger": settings_env_names("ledger")}
    good = {"services": {"ledger": {"environment": {"SOSENKI_HTTP_PORT": "8001"}}}}
    bad = {
        "services": {
            "ledger": {"environment": ["SOSENKI_HTTP_PORT=8001", "SOSENKI_NOT_A_SETTING=1"]}
        }
    }
    assert compose_settings_problems(good, fields) == []
    problems = compose_settings_problems(bad, fields)
    assert len(problems) == 1 and "SOSENKI_NOT_A_SETTING" in problems[0], problems
    # Case does not matter to pydantic-settings, so not to the checker either.
    lower = {"services": {"ledger": {"environment": {"sosenki_http_port": "8001"}}}}
    assert compose_settings_problems(lower, fields) == []


def test_checker_reports_a_service_signed_in_as_another_or_an_open_broker() -> None:
    import copy

    good = compose()
    assert compose_kafka_security_problems(good) == []
    borrowed = copy.deepcopy(good)
    borrowed["services"]["reporting"]["environment"]["SOSENKI_KAFKA_SASL_USERNAME"] = "ledger"
    problems = compose_kafka_security_problems(borrowed)
    assert any("signs in to Kafka as 'ledger'" in p for p in problems), problems
    open_broker = copy.deepcopy(good)
    open_broker["services"]["kafka"]["environment"]["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] = (
        "CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,EXTERNAL:SASL_PLAINTEXT"
    )
    del open_broker["services"]["kafka"]["environment"]["KAFKA_AUTHORIZER_CLASS_NAME"]
    problems = compose_kafka_security_problems(open_broker)
    assert any("INTERNAL is PLAINTEXT" in p for p in problems), problems
    assert any("does not authorise by ACL" in p for p in problems), problems

    deployments, jobs = k8s_by_kind("Deployment"), k8s_by_kind("Job")
    config_maps = k8s_by_kind("ConfigMap")
    assert k8s_kafka_problems(deployments, jobs, config_maps) == []
    literal = copy.deepcopy(deployments)
    (container,) = literal["splits"]["spec"]["template"]["spec"]["containers"]
    for item in container["env"]:
        if item["name"] == "SOSENKI_KAFKA_SASL_PASSWORD":
            item.pop("valueFrom")
            item["value"] = "hunter2"
    problems = k8s_kafka_problems(literal, jobs, config_maps)
    assert problems == [
        "k8s Deployment 'splits' spells its Kafka password out: take it from the Secret"
    ]


def test_checker_reports_an_unknown_datasource_uid() -> None:
    dashboard = {
        "panels": [
            {"datasource": {"type": "prometheus", "uid": "prom"}, "targets": []},
            {"targets": [{"datasource": {"uid": "elsewhere"}, "expr": "up"}]},
        ]
    }
    problems = dashboard_datasource_problems(dashboard, {"prom"}, "fake.json")
    assert len(problems) == 1 and "'elsewhere'" in problems[0], problems


def test_checker_reports_an_unexported_metric() -> None:
    assert metric_names_in('sum(rate(http_requests_total{service=~"$s"}[5m]))') == {
        "http_requests_total"
    }
    exported = exported_metric_names()
    assert "http_requests_total" in exported
    assert "faststream_received_messages_total" in exported
    assert "http_requests_totl" not in exported
