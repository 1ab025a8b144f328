"""Prometheus and a trace backend (Jaeger v2) beside the local stack (`up --observability`).

- **Prometheus** from Debian's ``prometheus`` package (:mod:`deploy.local.prometheus_install`),
  scraping every service's ``/metrics`` (one job per service, label ``system="sosenki"``) and the
  trace backend's own metrics, with the alert rules of ``deploy/prometheus/alerts.yml``; data in
  ``.local/prometheus-data``, on http://127.0.0.1:9090.
- **Jaeger v2** built once from its Go module (``go build``, several minutes on two cores) into
  ``.local/jaeger/bin/jaeger`` and kept there; in-memory storage; OTLP on 127.0.0.1:4317 (gRPC) and
  4318 (HTTP), the UI and its API on http://127.0.0.1:16686. The services export their spans to it
  (``SOSENKI_OTLP_ENDPOINT``).

Both run detached with pid files like PostgreSQL and Kafka, and every function is idempotent. The
tests use :class:`PrometheusServer` and :class:`JaegerServer` on free ports of their own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sosenki_platform.settings import DEFAULT_PORTS

from deploy.local import processes
from deploy.local.processes import LOCAL_DIR, LOG_DIR, REPO_ROOT, ComponentStatus
from deploy.local.prometheus_install import ensure_prometheus

ALERT_RULES = REPO_ROOT / "deploy" / "prometheus" / "alerts.yml"

PROMETHEUS_PORT = 9090
PROMETHEUS_DATA = LOCAL_DIR / "prometheus-data"

JAEGER_VERSION = "v1.76.0"  # the Go module's version of Jaeger v2 (cmd/jaeger)
JAEGER_MODULE = "github.com/jaegertracing/jaeger/cmd/jaeger"
JAEGER_DIR = LOCAL_DIR / "jaeger"
JAEGER_BIN = JAEGER_DIR / "bin" / "jaeger"
JAEGER_UI_PORT = 16686
JAEGER_OTLP_GRPC_PORT = 4317
JAEGER_OTLP_HTTP_PORT = 4318
JAEGER_METRICS_PORT = 8888

OTLP_ENDPOINT_ENV = "SOSENKI_OTLP_ENDPOINT"


class ObservabilityError(RuntimeError):
    pass


def _get_json(url: str, timeout: float = 10.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


# ------------------------------------------------------------------------------------ Prometheus


def prometheus_config(
    services: Mapping[str, str],
    *,
    scrape_interval: str = "5s",
    extra_jobs: Mapping[str, str] | None = None,
    rule_files: tuple[Path, ...] = (ALERT_RULES,),
) -> str:
    """A scrape configuration: one job per service (``name -> host:port``), labelled
    ``system="sosenki"`` (what "Services up" counts), and ``extra_jobs`` without that label."""
    lines = [
        "# Written by deploy/local/observability.py; rewritten at every start.",
        "global:",
        f"  scrape_interval: {scrape_interval}",
        f"  evaluation_interval: {scrape_interval}",
    ]
    rules = [p for p in rule_files if p.is_file()]
    if rules:
        lines.append("rule_files:")
        lines += [f"  - {json.dumps(str(p))}" for p in rules]
    lines.append("scrape_configs:")
    for job, target in services.items():
        lines += [
            f"  - job_name: {json.dumps(job)}",
            "    static_configs:",
            f"      - targets: [{json.dumps(target)}]",
            "        labels: {system: sosenki}",
        ]
    for job, target in (extra_jobs or {}).items():
        lines += [
            f"  - job_name: {json.dumps(job)}",
            "    static_configs:",
            f"      - targets: [{json.dumps(target)}]",
        ]
    return "\n".join(lines) + "\n"


@dataclass
class PrometheusServer:
    """One Prometheus process: its own configuration, data directory and port."""

    name: str
    port: int
    data_dir: Path
    log_path: Path
    run_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "prometheus.yml"

    def _markers(self) -> list[str]:
        return ["prometheus", f"--config.file={self.config_path}"]

    def pid(self) -> int | None:
        return processes.running_pid(self.name, self._markers(), self.run_dir)

    def start(self, config: str, timeout: float = 60.0) -> str:
        """Write ``config`` and start (or reload a running server with it)."""
        prometheus, _ = ensure_prometheus()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(config)
        pid = self.pid()
        if pid is not None and _answers(f"{self.url}/-/ready"):
            request = urllib.request.Request(f"{self.url}/-/reload", method="POST")
            with urllib.request.urlopen(request, timeout=10):
                pass
            return f"{self.name}: already running, pid {pid}, reloaded, {self.url}"
        if pid is None:
            if processes.port_open("127.0.0.1", self.port):
                raise ObservabilityError(f"port {self.port} is taken by another program")
            pid = processes.start_detached(
                self.name,
                [
                    str(prometheus),
                    f"--config.file={self.config_path}",
                    f"--storage.tsdb.path={self.data_dir / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--web.enable-lifecycle",
                    "--log.format=json",
                ],
                self.log_path,
                run_dir=self.run_dir,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not processes.is_alive(pid):
                raise ObservabilityError(
                    f"{self.name} exited:\n" + processes.tail(self.log_path, 20)
                )
            if _answers(f"{self.url}/-/ready"):
                return f"{self.name}: started, pid {pid}, {self.url}"
            time.sleep(0.3)
        raise ObservabilityError(f"{self.name} not ready after {timeout}s; see {self.log_path}")

    def stop(self) -> bool:
        return processes.stop(self.name, self._markers(), run_dir=self.run_dir)

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """An instant query's result vector (a scalar comes back as one sample)."""
        params = {"query": expr}
        if at is not None:
            params["time"] = str(at)
        answer = _get_json(f"{self.url}/api/v1/query?{urllib.parse.urlencode(params)}", 30)
        if answer.get("status") != "success":
            raise ObservabilityError(f"{expr}: {answer}")
        data = answer["data"]
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        result: list[dict[str, Any]] = data["result"]
        return result

    def targets(self) -> list[dict[str, Any]]:
        active: list[dict[str, Any]] = _get_json(f"{self.url}/api/v1/targets")["data"][
            "activeTargets"
        ]
        return active


def local_prometheus() -> PrometheusServer:
    return PrometheusServer(
        "prometheus", PROMETHEUS_PORT, PROMETHEUS_DATA, LOG_DIR / "prometheus.log"
    )


def _start_local_prometheus() -> str:
    services = {name: f"127.0.0.1:{port}" for name, port in DEFAULT_PORTS.items()}
    config = prometheus_config(
        services,
        extra_jobs={
            "prometheus": f"127.0.0.1:{PROMETHEUS_PORT}",
            "jaeger": f"127.0.0.1:{JAEGER_METRICS_PORT}",
        },
    )
    return local_prometheus().start(config)


def _prometheus_status() -> ComponentStatus:
    server = local_prometheus()
    pid = server.pid()
    state = "stopped"
    if pid is not None:
        state = "running" if _answers(f"{server.url}/-/ready") else "starting"
    return ComponentStatus("prometheus", state, pid, server.url, str(server.log_path))


# ---------------------------------------------------------------------------------------- Jaeger


#: A copy outside the clone, so that a fresh clone on the same machine (CI) does not build again.
JAEGER_MACHINE_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "sosenki"
    / f"jaeger-{JAEGER_VERSION}"
)


def ensure_jaeger(timeout: float = 3600.0) -> Path:
    """The Jaeger v2 binary, built from its Go module the first time (cached in .local/jaeger,
    and a copy in the user's cache directory for other clones)."""
    if os.access(JAEGER_BIN, os.X_OK):
        return JAEGER_BIN
    if os.access(JAEGER_MACHINE_CACHE, os.X_OK):
        JAEGER_BIN.parent.mkdir(parents=True, exist_ok=True)
        partial = JAEGER_BIN.with_suffix(".partial")
        shutil.copy2(JAEGER_MACHINE_CACHE, partial)
        partial.replace(JAEGER_BIN)
        return JAEGER_BIN
    go = shutil.which("go")
    if go is None:
        raise ObservabilityError("Jaeger is built from its Go module: install Go first")
    src = JAEGER_DIR / "src"
    src.mkdir(parents=True, exist_ok=True)
    if not (src / "go.mod").exists():
        (src / "go.mod").write_text("module sosenki.local/jaeger\n\ngo 1.24\n")
    env = {**os.environ, "GOFLAGS": "-mod=mod"}
    log = JAEGER_DIR / "build.log"
    partial = JAEGER_BIN.with_suffix(".partial")
    partial.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        for argv in (
            [go, "get", "-tool", f"{JAEGER_MODULE}@{JAEGER_VERSION}"],
            [go, "build", "-o", str(partial), JAEGER_MODULE],
        ):
            done = subprocess.run(
                argv, cwd=src, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout
            )
            if done.returncode != 0:
                raise ObservabilityError(
                    f"building Jaeger failed ({' '.join(argv[1:3])}); see {log}:\n"
                    + processes.tail(log, 15)
                )
    partial.replace(JAEGER_BIN)  # in place whole: a half-written binary is never taken
    try:
        JAEGER_MACHINE_CACHE.parent.mkdir(parents=True, exist_ok=True)
        copying = JAEGER_MACHINE_CACHE.parent / (JAEGER_MACHINE_CACHE.name + ".partial")
        shutil.copy2(JAEGER_BIN, copying)
        copying.replace(JAEGER_MACHINE_CACHE)
    except OSError:
        pass  # a cache only
    return JAEGER_BIN


def jaeger_config(
    *, otlp_grpc: int, otlp_http: int, ui: int, grpc_query: int, metrics: int | None
) -> str:
    """Jaeger v2: OTLP in, in-memory storage, the query API and UI out."""
    telemetry = (
        f"""    metrics:
      level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {metrics}
"""
        if metrics
        else "    metrics:\n      level: none\n"
    )
    return f"""# Written by deploy/local/observability.py; rewritten at every start.
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
{telemetry}    logs:
      level: warn
      encoding: json
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:{ui}
    grpc:
      endpoint: 127.0.0.1:{grpc_query}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{otlp_grpc}
      http:
        endpoint: 127.0.0.1:{otlp_http}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
"""


@dataclass
class JaegerServer:
    name: str
    base_dir: Path
    log_path: Path
    otlp_grpc_port: int = JAEGER_OTLP_GRPC_PORT
    otlp_http_port: int = JAEGER_OTLP_HTTP_PORT
    ui_port: int = JAEGER_UI_PORT
    grpc_query_port: int = 16685
    metrics_port: int | None = JAEGER_METRICS_PORT
    run_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    @property
    def otlp_http(self) -> str:
        return f"http://127.0.0.1:{self.otlp_http_port}"

    @property
    def config_path(self) -> Path:
        return self.base_dir / "jaeger.yaml"

    def _markers(self) -> list[str]:
        return ["jaeger", f"--config={self.config_path}"]

    def pid(self) -> int | None:
        return processes.running_pid(self.name, self._markers(), self.run_dir)

    def ready(self) -> bool:
        return _answers(f"{self.url}/api/services")

    def start(self, timeout: float = 60.0) -> str:
        binary = ensure_jaeger()
        pid = self.pid()
        if pid is not None and self.ready():
            return f"{self.name}: already running, pid {pid}, {self.url}"
        if pid is None:
            for port in (self.otlp_grpc_port, self.otlp_http_port, self.ui_port):
                if processes.port_open("127.0.0.1", port):
                    raise ObservabilityError(f"port {port} is taken by another program")
            self.base_dir.mkdir(parents=True, exist_ok=True)
            self.config_path.write_text(
                jaeger_config(
                    otlp_grpc=self.otlp_grpc_port,
                    otlp_http=self.otlp_http_port,
                    ui=self.ui_port,
                    grpc_query=self.grpc_query_port,
                    metrics=self.metrics_port,
                )
            )
            pid = processes.start_detached(
                self.name,
                [str(binary), f"--config={self.config_path}"],
                self.log_path,
                run_dir=self.run_dir,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not processes.is_alive(pid):
                raise ObservabilityError(
                    f"{self.name} exited:\n" + processes.tail(self.log_path, 20)
                )
            if self.ready() and processes.port_open("127.0.0.1", self.otlp_http_port):
                return f"{self.name}: started, pid {pid}, UI {self.url}, OTLP {self.otlp_http}"
            time.sleep(0.3)
        raise ObservabilityError(f"{self.name} not ready after {timeout}s; see {self.log_path}")

    def stop(self) -> bool:
        return processes.stop(self.name, self._markers(), run_dir=self.run_dir)

    def traces(self, service: str, limit: int = 100, lookback: str = "1h") -> list[dict[str, Any]]:
        """Traces with a span of ``service`` (Jaeger's HTTP query API)."""
        query = urllib.parse.urlencode({"service": service, "limit": limit, "lookback": lookback})
        data: list[dict[str, Any]] = _get_json(f"{self.url}/api/traces?{query}", 30)["data"]
        return data

    def trace(self, trace_id: str) -> dict[str, Any] | None:
        try:
            data = _get_json(f"{self.url}/api/traces/{trace_id}", 10)["data"]
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise
        return data[0] if data else None


def local_jaeger() -> JaegerServer:
    return JaegerServer("jaeger", JAEGER_DIR, LOG_DIR / "jaeger.log")


def _jaeger_status() -> ComponentStatus:
    server = local_jaeger()
    pid = server.pid()
    state = "stopped"
    if pid is not None:
        state = "running" if server.ready() else "starting"
    detail = "" if os.access(JAEGER_BIN, os.X_OK) else "not built yet (first start builds it)"
    return ComponentStatus("jaeger", state, pid, server.url, detail or str(server.log_path))


# ------------------------------------------------------------------------------------ components


def components() -> list[Any]:
    """Jaeger, then Prometheus: started before the services, so that they export their spans
    from the first request (``SOSENKI_OTLP_ENDPOINT`` reaches them through the environment)."""
    from deploy.local.stack import Component

    def start_jaeger() -> str:
        if not os.access(JAEGER_BIN, os.X_OK):
            print("jaeger: building from its Go module (once; several minutes)...", flush=True)
        summary = local_jaeger().start()
        os.environ[OTLP_ENDPOINT_ENV] = local_jaeger().otlp_http
        return summary

    return [
        Component(
            name="jaeger",
            start=start_jaeger,
            stop=lambda: local_jaeger().stop(),
            status=_jaeger_status,
            logs=(LOG_DIR / "jaeger.log",),
            env=lambda: {OTLP_ENDPOINT_ENV: local_jaeger().otlp_http},
        ),
        Component(
            name="prometheus",
            start=_start_local_prometheus,
            stop=lambda: local_prometheus().stop(),
            status=_prometheus_status,
            logs=(LOG_DIR / "prometheus.log",),
            reset=lambda: shutil.rmtree(PROMETHEUS_DATA, ignore_errors=True),
        ),
    ]


if __name__ == "__main__":  # python -m deploy.local.observability: install both, print paths
    print(ensure_prometheus()[0])
    print(ensure_jaeger())
