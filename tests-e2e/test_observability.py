"""What an operator sees, checked against the real thing: the five services run as processes
beside a real Prometheus (Debian's package) and a real Jaeger v2 (built from its Go module), as
``stack.py up --observability`` runs them. One scenario (a Telegram conversation, a treasurer's
month over REST, a group's expense) feeds three checks:

- every PromQL expression of every shipped Grafana dashboard returns data from that Prometheus;
- one Telegram update is one trace in Jaeger: gateway → Kafka → ledger → outbox → Kafka →
  reporting and back to the gateway's reply, and idle polling makes no traces;
- every line every service printed is a JSON object, the libraries' lines included.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from bot_gateway.fake_telegram import BOT_USERNAME
from bot_gateway.testing import SECRET, Person, callback_update, group_chat, message_update
from sosenki_platform.testing import (
    Infrastructure,
    ServiceProcess,
    create_database,
    database_url,
    drop_database,
    eventually,
    free_port,
    make_service_env,
)
from sosenki_platform.topic_admin import delete_topics_with_prefix

from deploy.local.observability import (
    JaegerServer,
    PrometheusServer,
    prometheus_config,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]  # the first run builds Jaeger

ROOT = Path(__file__).resolve().parents[1]
DASHBOARDS = sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
BOT_TOKEN = "987654:obs-token"
ALICE = Person(731001, "Alice", "alice_obs")
GROUP = -100515151
P = "/api/payments"
#: Panels that list failures only: with none in the scenario they are rightly empty. For them the
#: metric they read must be exported (so they would show a failure), not have data.
FAILURES_ONLY = {"Failing routes (5xx over the time range)"}
SERVICES = {  # job name -> module
    "ledger": "ledger",
    "splits": "splits",
    "recurring": "recurring",
    "reporting": "reporting",
    "bot-gateway": "bot_gateway",
}


@dataclass
class Run:
    prometheus: PrometheusServer
    jaeger: JaegerServer
    services: dict[str, ServiceProcess]
    telegram_update_ids: list[int] = field(default_factory=list)
    started: float = field(default_factory=time.time)


def _grafana_to_promql(expr: str, window: str) -> str:
    """Grafana's variables as Grafana would fill them with "All" selected."""
    for variable in ("$service", "$community"):
        expr = expr.replace(f'=~"{variable}"', '=~".+"')
    return expr.replace("$__rate_interval", window).replace("$__range", window)


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for panel in dashboard["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


def _promql_targets() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, expression) of every Prometheus query."""
    found: list[tuple[str, str, str]] = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for panel in _panels(dashboard):
            for target in panel.get("targets", []):
                source = target.get("datasource") or panel.get("datasource") or {}
                if source.get("type") == "prometheus" and target.get("expr"):
                    found.append((path.name, panel["title"], target["expr"]))
    return found


def _finite(sample: dict[str, Any]) -> bool:
    return math.isfinite(float(sample["value"][1]))


@pytest.fixture(scope="module")
async def run(
    infrastructure: Infrastructure,
    signing_keys: tuple[str, str],
    make_token: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Run]:
    base = tmp_path_factory.mktemp("observability")
    log_dir = ROOT / ".local" / "logs" / "e2e-observability" / uuid.uuid4().hex[:8]
    jaeger = JaegerServer(
        "e2e-jaeger",
        base / "jaeger",
        log_dir / "jaeger.log",
        otlp_grpc_port=free_port(),
        otlp_http_port=free_port(),
        ui_port=free_port(),
        grpc_query_port=free_port(),
        metrics_port=free_port(),
        run_dir=base / "run",
    )
    prometheus = PrometheusServer(
        "e2e-prometheus", free_port(), base / "prometheus", log_dir / "prometheus.log", base / "run"
    )
    prefix = f"o{uuid.uuid4().hex[:8]}."
    env = {
        **make_service_env(infrastructure, prefix, signing_keys),
        "SOSENKI_OTLP_ENDPOINT": jaeger.otlp_http,
        "SOSENKI_CONSUMER_LAG_INTERVAL_SECONDS": "1",
        "SOSENKI_BUSINESS_METRICS_INTERVAL_SECONDS": "1",
        "SOSENKI_MAINTENANCE_INTERVAL_SECONDS": "2",
        "SOSENKI_LOG_LEVEL": "INFO",
    }
    databases: list[str] = []
    services: dict[str, ServiceProcess] = {}
    fake_port = free_port()
    fake = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot_gateway.fake_telegram",
        "--port",
        str(fake_port),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    fake_url = f"http://127.0.0.1:{fake_port}"

    async def fake_up() -> bool:
        async with httpx.AsyncClient(timeout=10) as http:
            return (await http.get(f"{fake_url}/_fake/calls")).status_code == 200

    try:
        await eventually(fake_up, timeout=60, what="the fake Bot API")
        await asyncio.to_thread(jaeger.start)

        async def start(job: str, **extra: str) -> ServiceProcess:
            name = await create_database(infrastructure.pg_admin_url, f"t_{SERVICES[job]}")
            databases.append(name)
            url = database_url(infrastructure.pg_admin_url, name)
            process = ServiceProcess(
                SERVICES[job], {**env, "SOSENKI_DATABASE_URL": url, **extra}, log_dir
            )
            process.start()
            services[job] = process
            return process

        for job in ("ledger", "splits", "recurring", "reporting"):
            await start(job)
        await asyncio.gather(*(s.wait_ready(240) for s in services.values()))
        gateway = await start(
            "bot-gateway",
            SOSENKI_TELEGRAM_BOT_TOKEN=BOT_TOKEN,
            SOSENKI_TELEGRAM_API_BASE=fake_url,
            SOSENKI_TELEGRAM_WEBHOOK_SECRET=SECRET,
            SOSENKI_TELEGRAM_WEBHOOK_URL="https://gateway.example/telegram/webhook",
            SOSENKI_AUTH_PRIVATE_KEY=signing_keys[0],
            SOSENKI_LEDGER_URL=services["ledger"].url,
            SOSENKI_SPLITS_URL=services["splits"].url,
            SOSENKI_REPORTING_URL=services["reporting"].url,
            SOSENKI_SEND_PER_GROUP_PER_MINUTE="1000",
        )
        await gateway.wait_ready(240)
        config = prometheus_config(
            {job: f"127.0.0.1:{s.port}" for job, s in services.items()},
            scrape_interval="1s",
            extra_jobs={
                "prometheus": f"127.0.0.1:{prometheus.port}",
                "jaeger": f"127.0.0.1:{jaeger.metrics_port}",
            },
        )
        await asyncio.to_thread(prometheus.start, config)

        async def scraped() -> bool:  # before the scenario: rates need the counters' zeros
            targets = await asyncio.to_thread(prometheus.targets)
            health = {t["labels"]["job"]: t["health"] for t in targets}
            return all(health.get(job) == "up" for job in SERVICES)

        await eventually(scraped, timeout=60, what="Prometheus to scrape every service")
        await asyncio.sleep(2)  # a couple of scrapes of the quiet state
        observed = Run(prometheus, jaeger, services)
        await _scenario(observed, make_token, fake_url)
        yield observed
    finally:
        for process in services.values():
            process.stop()
        fake.terminate()
        await asyncio.wait_for(fake.wait(), 10)
        prometheus.stop()
        jaeger.stop()
        for name in databases:
            await drop_database(infrastructure.pg_admin_url, name)
        await delete_topics_with_prefix(infrastructure.kafka_bootstrap_servers, prefix)


async def _scenario(run: Run, make_token: Any, fake_url: str) -> None:
    ledger, splits = run.services["ledger"], run.services["splits"]
    gateway = run.services["bot-gateway"]
    patient = httpx.Timeout(30.0)  # a loaded machine answers slowly, not wrongly
    fake = httpx.AsyncClient(base_url=fake_url, timeout=patient)
    bot = httpx.AsyncClient(
        base_url=gateway.url,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        timeout=patient,
    )
    api = httpx.AsyncClient(base_url=ledger.url, timeout=patient)
    chat = group_chat(GROUP)

    async def post(update: dict[str, Any]) -> None:
        run.telegram_update_ids.append(update["update_id"])
        response = await bot.post("/telegram/webhook", json=update)
        assert response.status_code == 200, response.text

    async def reply(containing: str, chat_id: int = GROUP) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            calls = (await fake.get("/_fake/calls", params={"method": "sendMessage"})).json()
            for call in [c for c in calls if c["status"] == 200]:
                params = call["params"]
                if int(params["chat_id"]) == chat_id and containing in params["text"]:
                    return dict(params)
            return None

        return await eventually(found, timeout=60, what=f"a reply with {containing!r}")

    async def ok(client: httpx.AsyncClient, method: str, path: str, body: Any = None) -> Any:
        response = await client.request(method, path, json=body)
        assert response.status_code in (200, 201), f"{path}: {response.text}"
        return response.json()

    try:
        await post(message_update(ALICE, {"id": ALICE.telegram_id, "type": "private"}, "/start"))
        started = await reply("Your user number", chat_id=ALICE.telegram_id)
        alice = int(started["text"].rstrip(".").rsplit(" ", 1)[-1])
        api.headers["Authorization"] = f"Bearer {make_token(alice)}"
        cid = (await ok(api, "POST", f"{P}/communities", {"name": "Cedars"}))["id"]
        api.headers["Authorization"] = f"Bearer {make_token(alice, communities=[cid])}"
        owner = {"user_id": alice, "display_name": "Alice", "ownership_share": "1"}
        owner_id = (await ok(api, "POST", f"{P}/communities/{cid}/owners", owner))["owner_id"]
        period = {"community_id": cid, "name": "June", "start_date": "2025-06-01"}
        pid = (await ok(api, "POST", f"{P}/periods", {**period, "end_date": "2025-06-30"}))["id"]

        # The Telegram conversation whose trace the trace test follows.
        # Only a chat administrator (as Telegram says: getChatMember) who is treasurer links it.
        admins = {"chat_id": GROUP, "user_ids": [ALICE.telegram_id]}
        assert (await fake.post("/_fake/admins", json=admins)).status_code == 200
        await post(message_update(ALICE, chat, f"/link@{BOT_USERNAME} community {cid}"))
        await reply("linked to community Cedars.")
        await post(message_update(ALICE, chat, "/pay 1000 June"))
        question = await reply("Contribution of ₽1,000.00 from Alice to June (June)")
        confirm = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        message = {
            "message_id": 77,
            "from": {"id": 1, "is_bot": True, "first_name": "SOSenki", "username": BOT_USERNAME},
            "chat": chat,
            "date": question.get("date", 1700000000),
            "text": question["text"],
        }
        await post(callback_update(ALICE, message, confirm))
        await reply("Recorded: contribution ₽1,000.00 from Alice (June).")

        # A treasurer's month over REST: a budget, an expense over it, a meter.
        await ok(
            api,
            "POST",
            f"{P}/periods/{pid}/budget-items",
            {"category": "Maintenance", "planned_amount": "5000.00"},
        )
        await ok(
            api,
            "POST",
            f"{P}/periods/{pid}/expenses",
            {
                "amount": "3000.00",
                "payment_type": "Maintenance",
                "allocation_strategy": "FIXED_FEE",
            },
        )
        meter = await ok(
            api,
            "POST",
            f"{P}/communities/{cid}/meters",
            {"owner_id": owner_id, "meter_type": "electricity"},
        )
        for day, value in (("2025-05-31", "100"), ("2025-06-30", "160.5")):
            await ok(
                api,
                "POST",
                f"{P}/meters/{meter['id']}/readings",
                {"reading_date": day, "value": value},
            )
        bad = await api.post(f"{P}/periods/{pid}/contributions", json={"amount": "-1"})
        assert bad.status_code in (400, 422)  # a 4xx for the error panels

        # A group's expense: one member is owed.
        group_api = httpx.AsyncClient(
            base_url=splits.url,
            headers={"Authorization": f"Bearer {make_token(alice)}"},
            timeout=patient,
        )
        async with group_api:
            gid = (
                await ok(group_api, "POST", "/groups", {"name": "Trip", "base_currency": "RUB"})
            )["id"]
            await ok(group_api, "POST", f"/groups/{gid}/members", {"user_id": alice + 1})
            await ok(
                group_api,
                "POST",
                "/financials/expenses",
                {"description": "Fuel", "total_amount": "900.00", "group_id": gid},
            )
    finally:
        await fake.aclose()
        await bot.aclose()
        await api.aclose()


async def test_every_dashboard_query_has_data_in_a_real_prometheus(run: Run) -> None:
    health: dict[str, str] = {}

    async def every_service_scraped() -> bool:
        targets = await asyncio.to_thread(run.prometheus.targets)
        health.update({t["labels"]["job"]: t["health"] for t in targets})
        return all(health.get(job) == "up" for job in SERVICES)

    try:
        await eventually(every_service_scraped, timeout=60, what="every service scraped")
    except AssertionError:
        pytest.fail(f"not every service is scraped: {health}")
    expressions = _promql_targets()
    assert len(expressions) > 30 and any(d == "sosenki-business.json" for d, _, _ in expressions)

    missing: list[str] = []

    async def all_have_data() -> bool:
        window = f"{int(time.time() - run.started) + 30}s"  # the whole run
        missing.clear()
        for dashboard, title, expr in expressions:
            promql = _grafana_to_promql(expr, window)
            result = await asyncio.to_thread(run.prometheus.query, promql)
            if title in FAILURES_ONLY:
                for metric in set(re.findall(r"\b([a-z_]+_total|[a-z_]+_seconds_bucket)\b", expr)):
                    known = await asyncio.to_thread(run.prometheus.query, f"count({metric})")
                    if not known:
                        missing.append(f"{dashboard} / {title}: {metric} is not exported")
            elif not any(_finite(sample) for sample in result):
                missing.append(f"{dashboard} / {title}: {promql} -> {result}")
        return not missing

    try:
        await eventually(all_have_data, timeout=90, interval=2, what="data for every panel")
    except AssertionError:
        pytest.fail("panels without data:\n" + "\n".join(missing))

    # The business numbers are the scenario's, not just present.
    def value(expr: str) -> float:
        result = run.prometheus.query(expr)
        assert len(result) == 1, (expr, result)
        return float(result[0]["value"][1])

    assert value("sum(sosenki_collection_collected_amount)") == 1000.0
    assert value("sum(sosenki_collection_due_amount)") == 3000.0
    assert value('sum(sosenki_owner_arrears_amount{age="over-90d"})') == 2000.0
    assert value('sum(sosenki_budget_planned_amount{category="Maintenance"})') == 5000.0
    assert value('sum(sosenki_budget_actual_amount{category="Maintenance"})') == 3000.0
    assert value("sum(sosenki_meter_consumption)") == 60.5
    assert value("sum(sosenki_group_outstanding_amount)") == 450.0
    # "Services up" counts the services only, not Prometheus or the trace backend.
    assert value('sum(up{system="sosenki"})') == len(SERVICES)


def _services_of(trace: dict[str, Any]) -> set[str]:
    processes_ = trace["processes"]
    return {processes_[span["processID"]]["serviceName"] for span in trace["spans"]}


def _tags(span: dict[str, Any]) -> dict[str, Any]:
    return {tag["key"]: tag["value"] for tag in span.get("tags", [])}


async def test_one_telegram_update_is_one_trace_through_every_hop(run: Run) -> None:
    jaeger = run.jaeger

    seen: list[str] = []

    def root_of(trace: dict[str, Any]) -> dict[str, Any] | None:
        roots = [s for s in trace["spans"] if not s.get("references")]
        return roots[0] if len(roots) == 1 else None

    async def the_confirmation_trace() -> dict[str, Any] | None:
        seen.clear()
        for summary in await asyncio.to_thread(jaeger.traces, "bot-gateway", 200):
            names = {span["operationName"] for span in summary["spans"]}
            root = root_of(summary)
            seen.append(
                f"{root and root['operationName']}: {sorted(_services_of(summary))}, "
                f"{len(summary['spans'])} spans"
            )
            if root is None or "/telegram/webhook" not in root["operationName"]:
                continue
            if "telegram sendMessage" not in names:
                continue
            if {"bot-gateway", "ledger", "reporting"} <= _services_of(summary):
                return summary
        return None

    try:
        trace = await eventually(
            the_confirmation_trace, timeout=60, interval=1, what="the confirmation's trace"
        )
    except AssertionError:
        pytest.fail("no webhook trace reaches ledger, reporting and the reply:\n" + "\n".join(seen))
    spans = {span["spanID"]: span for span in trace["spans"]}
    service_of = {
        span["spanID"]: trace["processes"][span["processID"]]["serviceName"]
        for span in trace["spans"]
    }
    root = root_of(trace)
    assert root is not None and service_of[root["spanID"]] == "bot-gateway"

    def hops(kind: str) -> set[tuple[str, str]]:
        return {
            (service_of[s["spanID"]], s["operationName"])
            for s in spans.values()
            if _tags(s).get("span.kind") == kind
        }

    published = hops("producer")
    consumed = hops("consumer")
    # The gateway's command leaves through its outbox; the ledger takes it and its event leaves
    # through the ledger's outbox; reporting and the gateway take the event.
    assert any(svc == "bot-gateway" and "commands" in op for svc, op in published), published
    assert any(svc == "ledger" and "commands" in op for svc, op in consumed), consumed
    assert any(svc == "ledger" and "ledger.events" in op for svc, op in published), published
    assert any(svc == "reporting" and "ledger.events" in op for svc, op in consumed), consumed
    assert any(svc == "bot-gateway" and "ledger.events" in op for svc, op in consumed), consumed
    reply = [s for s in spans.values() if s["operationName"] == "telegram sendMessage"]
    assert reply and all(service_of[s["spanID"]] == "bot-gateway" for s in reply)


async def test_idle_polling_makes_no_traces(run: Run) -> None:
    """The relays, the Telegram sender, the schedulers and upkeep poll the database all the
    time: none of that is a trace of its own. Every trace starts at a request or a message."""
    await asyncio.sleep(3)  # a few more seconds of idle polling in every service
    lone: list[str] = []
    for service in SERVICES:
        for trace in await asyncio.to_thread(run.jaeger.traces, service, 1000):
            for span in trace["spans"]:
                if not span.get("references") and "db.system" in _tags(span):
                    lone.append(f"{service}: {span['operationName']}")
    assert not lone, f"{len(lone)} traces of a lone database statement, e.g. {lone[:5]}"


async def test_every_log_line_is_json_with_trace_ids(run: Run) -> None:
    problems: list[str] = []
    loggers: set[str] = set()
    traced = 0
    for job, process in run.services.items():
        lines = [line for line in process.log_path.read_text().splitlines() if line.strip()]
        assert lines, f"{job} printed nothing"
        for n, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
            except ValueError:
                problems.append(f"{process.log_path.name}:{n}: {line[:200]}")
                continue
            if not isinstance(record, dict) or "event" not in record or "level" not in record:
                problems.append(f"{process.log_path.name}:{n}: not a log record: {line[:200]}")
                continue
            loggers.add(str(record.get("logger", "")))
            traced += "trace_id" in record
    assert not problems, "lines that are not JSON log records:\n" + "\n".join(problems[:20])
    # Library records come through the same renderer (uvicorn's start-up lines at least).
    assert any(name.startswith("uvicorn") for name in loggers), loggers
    assert traced > 0, "no log line carries a trace id"
