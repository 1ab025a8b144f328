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
from sosenki_contracts.topics import ALL_TOPICS
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


def kafka_init_topic_configs(service: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Topic -> topic config that the kafka-init service creates it with.

    kafka-init's environment lists the topics in groups: ``<GROUP>_TOPICS`` (names separated by
    white space) created with the configs in ``<GROUP>_CONFIG`` (``key=value`` pairs).
    """
    env = environment_of(service)
    topics: dict[str, dict[str, str]] = {}
    for key, value in env.items():
        if not key.endswith("_TOPICS"):
            continue
        config_text = env.get(key.removesuffix("_TOPICS") + "_CONFIG", "")
        config = dict(pair.split("=", 1) for pair in config_text.split())
        for topic in value.split():
            topics[topic] = config
    return topics


def kafka_init_problems(
    service: Mapping[str, Any], expected: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """kafka-init must create exactly the ``expected`` topics, each with its expected config,
    and its script must actually use the variables the topics are listed in."""
    problems: list[str] = []
    created = kafka_init_topic_configs(service)
    script = "\n".join(command_of(service)) + "\n" + "\n".join(str(e) for e in _entrypoint(service))
    for topic in sorted(set(expected) - set(created)):
        problems.append(f"kafka-init does not create topic {topic}")
    for topic in sorted(set(created) - set(expected)):
        problems.append(f"kafka-init creates {topic}, which is not in sosenki_contracts ALL_TOPICS")
    for topic in sorted(set(expected) & set(created)):
        if dict(created[topic]) != dict(expected[topic]):
            problems.append(
                f"kafka-init creates {topic} with {created[topic]}, "
                f"but the code (topic_admin.topic_configs) says {dict(expected[topic])}"
            )
    env = environment_of(service)
    for key in env:
        if key.endswith(("_TOPICS", "_CONFIG")) and not re.search(rf"\$\$\{{?{key}\b", script):
            problems.append(f"kafka-init's script never uses ${key} (write it $${key} in compose)")
    if "kafka-topics.sh" not in script or "--create" not in script:
        problems.append("kafka-init's script does not run kafka-topics.sh --create")
    return problems


def _entrypoint(service: Mapping[str, Any]) -> list[str]:
    entrypoint = service.get("entrypoint")
    if entrypoint is None:
        return []
    return shlex.split(entrypoint) if isinstance(entrypoint, str) else [str(e) for e in entrypoint]


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
    plus FastStream's Kafka middleware metrics, plus Prometheus's own ``up``."""
    importlib.import_module("sosenki_platform.metrics")
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
        monkeypatch.setenv(key, value)
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


def expected_topic_configs() -> dict[str, dict[str, str]]:
    from sosenki_platform.topic_admin import topic_configs

    return {topic: dict(topic_configs(topic)) for topic in ALL_TOPICS}


def test_kafka_init_creates_every_topic() -> None:
    services = compose()["services"]
    assert "kafka-init" in services, "docker-compose.yml has no kafka-init service"
    problems = kafka_init_problems(services["kafka-init"], expected_topic_configs())
    partitions = int(environment_of(services["kafka-init"]).get("PARTITIONS", "1"))
    if partitions < 2:
        problems.append(f"kafka-init creates topics with {partitions} partition(s)")
    deps = services["kafka-init"].get("depends_on") or {}
    if not isinstance(deps, Mapping) or deps.get("kafka", {}).get("condition") != "service_healthy":
        problems.append("kafka-init does not wait for kafka to be healthy")
    assert not problems, "\n".join(problems)


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


def test_k8s_kustomization_lists_every_manifest() -> None:
    kustomization = load_yaml(K8S_DIR / "kustomization.yaml")
    listed = set(kustomization.get("resources") or [])
    present = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
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


def test_checker_reports_a_missing_or_misconfigured_topic() -> None:
    expected = {
        "a.events.v1": {"retention.ms": "-1"},
        "a.commands.v1": {"retention.ms": "604800000"},
    }
    script = [
        "for t in $$KEEP_TOPICS; do kafka-topics.sh --create --topic $$t $$KEEP_CONFIG; done\n"
        "for t in $$CMD_TOPICS; do kafka-topics.sh --create --topic $$t $${CMD_CONFIG}; done"
    ]
    good: dict[str, Any] = {
        "command": script,
        "environment": {
            "KEEP_TOPICS": "a.events.v1",
            "KEEP_CONFIG": "retention.ms=-1",
            "CMD_TOPICS": "a.commands.v1",
            "CMD_CONFIG": "retention.ms=604800000",
        },
    }
    assert kafka_init_problems(good, expected) == []
    missing = {**good, "environment": {**good["environment"], "CMD_TOPICS": "a.command.v1"}}
    problems = kafka_init_problems(missing, expected)
    assert any("does not create topic a.commands.v1" in p for p in problems), problems
    assert any("creates a.command.v1" in p for p in problems), problems
    forever = {**good, "environment": {**good["environment"], "KEEP_CONFIG": "retention.ms=1"}}
    assert any("a.events.v1 with" in p for p in kafka_init_problems(forever, expected))
    unused = {**good, "command": ["kafka-topics.sh --create --topic a.events.v1"]}
    assert any("never uses $KEEP_TOPICS" in p for p in kafka_init_problems(unused, expected))


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


def test_alert_rules_use_metrics_the_platform_exports() -> None:
    import sosenki_platform.metrics as platform_metrics

    rules_file = REPO / "deploy" / "prometheus" / "alerts.yml"
    assert "/etc/prometheus/alerts.yml" in load_yaml(PROMETHEUS_CONFIG)["rule_files"]
    prometheus = load_yaml(COMPOSE_FILE)["services"]["prometheus"]
    assert "/etc/prometheus/alerts.yml" in volume_targets(prometheus)
    exported = {
        getattr(metric, "_name", "")
        for metric in vars(platform_metrics).values()
        if hasattr(metric, "_name")
    }
    for group in load_yaml(rules_file)["groups"]:
        for rule in group["rules"]:
            used = set(re.findall(r"\b(sosenki_[a-z_]+)\b", rule["expr"]))
            assert used and used <= exported, (rule["alert"], used - exported)
