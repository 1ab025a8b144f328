"""The five services as local processes (``python -m <service>``), and the demo data.

Each service runs detached with its pid in ``.local/run/<service>.pid`` and its log in
``.local/logs/<service>.log``; ``up`` reuses a service that is already running and healthy.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from sosenki_platform.auth.cli import ensure_keypair
from sosenki_platform.auth.tokens import mint_token
from sosenki_platform.settings import DEFAULT_PORTS

from deploy.local import kafka, postgres, processes
from deploy.local.processes import LOCAL_DIR, LOG_DIR, ComponentStatus

KEYS_DIR = LOCAL_DIR / "keys"
DEMO_FILE = LOCAL_DIR / "demo.json"
DEMO_TOKEN_FILE = LOCAL_DIR / "demo-token"
READY_TIMEOUT = 90.0

SERVICES: dict[str, str] = {  # service name -> python module
    "ledger": "ledger",
    "splits": "splits",
    "recurring": "recurring",
    "bot-gateway": "bot_gateway",
    "reporting": "reporting",
}


def url(service: str) -> str:
    return f"http://127.0.0.1:{DEFAULT_PORTS[service]}"


def _markers(module: str) -> list[str]:
    return ["-m", module]


def _ready(service: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url(service)}/health/ready", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _env(service: str, module: str) -> dict[str, str]:
    import os

    _, public = ensure_keypair(KEYS_DIR)
    base = postgres.admin_url().rsplit("/", 1)[0]
    return {
        **os.environ,
        "SOSENKI_DATABASE_URL": f"{base}/{module}",
        "SOSENKI_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers(),
        # Each service signs in to Kafka as itself (its ACLs: sosenki_contracts.access).
        **kafka.service_security(service).env(),
        "SOSENKI_AUTH_PUBLIC_KEY_FILE": str(public),
        "SOSENKI_HTTP_PORT": str(DEFAULT_PORTS[service]),
    }


def _start(service: str, module: str) -> str:
    pid = processes.running_pid(service, _markers(module))
    if pid is not None and _ready(service):
        return f"{service}: already running, pid {pid}, {url(service)}"
    if pid is None:
        if processes.port_open("127.0.0.1", DEFAULT_PORTS[service]):
            raise RuntimeError(f"port {DEFAULT_PORTS[service]} is taken by another program")
        pid = processes.start_detached(
            service,
            [sys.executable, "-m", module],
            LOG_DIR / f"{service}.log",
            env=_env(service, module),
        )
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if not processes.is_alive(pid):
            raise RuntimeError(
                f"{service} exited; last lines of its log:\n"
                + processes.tail(LOG_DIR / f"{service}.log")
            )
        if _ready(service):
            return f"{service}: started, pid {pid}, {url(service)}"
        time.sleep(0.3)
    raise RuntimeError(f"{service} did not become ready; see {LOG_DIR / f'{service}.log'}")


def _status(service: str, module: str) -> ComponentStatus:
    pid = processes.running_pid(service, _markers(module))
    state = "running" if pid is not None and _ready(service) else "stopped"
    if pid is not None and state == "stopped":
        state = "starting"
    return ComponentStatus(service, state, pid, url(service), str(LOG_DIR / f"{service}.log"))


# ----------------------------------------------------------------------------------- demo data


def _call(method: str, path: str, token: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"{url('ledger')}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{method} {path}: {exc.code} {exc.read().decode()}") from exc


DEMO_OWNERS = [  # (user id, name, username, ownership share in %)
    (1, "Anna Petrova", "anna", "12.5"),
    (2, "Boris Ivanov", "boris", "10"),
    (3, "Vera Smirnova", "vera", "10"),
    (4, "Gleb Kuznetsov", "gleb", "7.5"),
    (5, "Daria Popova", "daria", "7.5"),
    (6, "Egor Sokolov", "egor", "7.5"),
    (7, "Zoya Lebedeva", "zoya", "7.5"),
    (8, "Ilya Kozlov", "ilya", "7.5"),
    (9, "Kira Novikova", "kira", "7.5"),
    (10, "Lev Morozov", "lev", "7.5"),
    (11, "Maria Volkova", "maria", "7.5"),
    (12, "Nikita Fedorov", "nikita", "7.5"),
]


def _private_key() -> str:
    private, _ = ensure_keypair(KEYS_DIR)
    return private.read_text()


def _load_demo() -> str:
    token = mint_token(_private_key(), "1", ttl_seconds=3600)
    if DEMO_FILE.exists():
        known = json.loads(DEMO_FILE.read_text())
        scoped = mint_token(_private_key(), "1", communities=[known["community_id"]])
        try:
            _call("GET", f"/api/payments/communities/{known['community_id']}", scoped)
        except RuntimeError:
            pass  # the databases were reset: load again
        else:
            fresh = mint_token(
                _private_key(), "1", communities=[known["community_id"]], ttl_seconds=30 * 24 * 3600
            )
            DEMO_TOKEN_FILE.write_text(fresh + "\n")
            return f"demo-data: already loaded (community {known['community_id']})"
    community = _call(
        "POST",
        "/api/payments/communities",
        token,
        {"name": "Sosenki cottage village", "base_currency": "RUB", "timezone": "Europe/Moscow"},
    )
    cid = community["id"]
    token = mint_token(_private_key(), "1", communities=[cid], ttl_seconds=30 * 24 * 3600)
    for user_id, name, username, share in DEMO_OWNERS:
        _call(
            "POST",
            f"/api/payments/communities/{cid}/owners",
            token,
            {
                "user_id": user_id,
                "display_name": name,
                "username": username,
                "ownership_share": share,
            },
        )
    period = _call(
        "POST",
        "/api/payments/periods",
        token,
        {
            "name": "November 2025",
            "start_date": "2025-11-01",
            "end_date": "2025-11-30",
            "description": "Monthly operational period",
        },
    )
    pid = period["id"]
    for user_id, *_ in DEMO_OWNERS:
        amount = "5000.00" if user_id % 3 else "3500.00"
        _call(
            "POST",
            f"/api/payments/periods/{pid}/contributions",
            token,
            {"user_id": user_id, "amount": amount, "comment": "Monthly payment"},
        )
    for body in (
        {
            "amount": "36000.00",
            "payment_type": "Maintenance",
            "vendor": "ABC Maintenance Co",
            "description": "Road repair",
            "allocation_strategy": "PROPORTIONAL",
        },
        {
            "paid_by_user_id": 2,
            "amount": "1000.00",
            "payment_type": "Security",
            "vendor": "Guard Ltd",
            "description": "Gate keys",
            "allocation_strategy": "FIXED_FEE",
        },
        {
            "amount": "4500.00",
            "payment_type": "Utilities",
            "description": "Street lighting",
            "allocation_strategy": "FIXED_FEE",
        },
        {"amount": "2500.00", "payment_type": "Reserve", "allocation_strategy": "NONE"},
    ):
        _call("POST", f"/api/payments/periods/{pid}/expenses", token, body)
    DEMO_FILE.write_text(json.dumps({"community_id": cid, "period_id": pid, "token": token}))
    DEMO_TOKEN_FILE.write_text(token + "\n")
    return f"demo-data: loaded community {cid} with 12 owners, period {pid}"


def _demo_status() -> ComponentStatus:
    loaded = DEMO_FILE.exists()
    return ComponentStatus("demo-data", "loaded" if loaded else "absent", None, "", str(DEMO_FILE))


def where_to_look() -> list[str]:
    lines = [f"  {s:<12} {url(s)}/docs" for s in SERVICES]
    if DEMO_FILE.exists():
        demo = json.loads(DEMO_FILE.read_text())
        lines += [
            "",
            "Demo treasurer token (user 1, 30 days) is in .local/demo-token; try:",
            "  TOKEN=$(cat .local/demo-token)",
            f'  curl -H "Authorization: Bearer $TOKEN" '
            f"{url('reporting')}/api/payments/periods/{demo['period_id']}/balance-sheet",
        ]
    return lines


def components() -> list[Any]:
    from deploy.local.stack import Component

    result = [
        Component(
            name=service,
            start=lambda s=service, m=module: _start(s, m),  # type: ignore[misc]
            stop=lambda s=service, m=module: processes.stop(s, _markers(m)),  # type: ignore[misc]
            status=lambda s=service, m=module: _status(s, m),  # type: ignore[misc]
            logs=(LOG_DIR / f"{service}.log",),
        )
        for service, module in SERVICES.items()
    ]
    result.append(
        Component(
            name="demo-data",
            start=_load_demo,
            stop=lambda: False,
            status=_demo_status,
            reset=lambda: DEMO_FILE.unlink(missing_ok=True),
        )
    )
    return result
