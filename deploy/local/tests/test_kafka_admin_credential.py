"""The local broker and ``credentials.json`` must agree on the admin's password.

A broker refuses the stack when the admin's SCRAM credential in its storage is not the password
in ``.local/kafka/credentials.json``: the file made anew after the storage was formatted (lost,
or two ``infra-up`` at once each writing a password), or the credential changed on the broker
(an AlterUserScramCredentials naming the admin). ``start`` must say so at once instead of
waiting two minutes for a broker that will never let it in, and must delete nothing.

These tests format real KRaft storage with Kafka's own StorageTool and run a real broker on
ports of their own; the shared broker is not touched.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sosenki_contracts.access import SERVICES
from sosenki_platform.kafka_acl import KafkaAccessAdmin
from sosenki_platform.kafka_security import KafkaSecurity

from deploy.local import kafka, processes

pytestmark = pytest.mark.integration

ADMIN = kafka.ADMIN_USER
FORMATTED_WITH = "formatted-with-this-password"


def admin_signing_in(password: str) -> KafkaSecurity:
    return KafkaSecurity.create("SASL_PLAINTEXT", kafka.MECHANISM, ADMIN, password)


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """A data directory formatted with the admin's credential, and the ports of its config."""
    base = tmp_path_factory.mktemp("kafka-admin")
    port, controller_port = processes.free_port(), processes.free_port()
    config = base / "server.properties"
    data = base / "data"
    config.write_text(
        kafka.server_properties(port, controller_port, data, admin_password=FORMATTED_WITH)
    )
    kafka.ensure_jars()
    assert kafka._format_storage(data, config, "PrX1JYdtRgq8yF-4BmP33w", {ADMIN: FORMATTED_WITH})
    (data / kafka.SECURITY_STAMP.name).write_text(kafka.SECURITY_VERSION + "\n")
    return data, port, controller_port


@pytest.fixture
def local_paths(
    tmp_path: Path, storage: tuple[Path, int, int], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point deploy.local.kafka at the formatted storage and a credentials file of this test."""
    data, _, _ = storage
    monkeypatch.delenv(kafka.BOOTSTRAP_ENV, raising=False)
    monkeypatch.setattr(kafka, "KAFKA_DIR", tmp_path)
    monkeypatch.setattr(kafka, "CREDENTIALS_FILE", tmp_path / "credentials.json")
    monkeypatch.setattr(kafka, "DATA_DIR", data)
    monkeypatch.setattr(kafka, "SECURITY_STAMP", data / kafka.SECURITY_STAMP.name)
    return tmp_path / "credentials.json"


def write_credentials(path: Path, admin_password: str) -> None:
    users = {ADMIN: admin_password, **{row.service: f"{row.service}-pw" for row in SERVICES}}
    path.write_text(json.dumps(users))


def test_the_storage_tells_which_admin_password_it_was_formatted_with(
    storage: tuple[Path, int, int],
) -> None:
    data, _, _ = storage
    assert kafka.stored_credential_matches(ADMIN, FORMATTED_WITH, data) is True
    assert kafka.stored_credential_matches(ADMIN, "another password", data) is False
    assert kafka.stored_credential_matches("ledger", FORMATTED_WITH, data) is None


def test_start_fails_fast_when_credentials_json_was_made_anew(local_paths: Path) -> None:
    write_credentials(local_paths, "made-anew-after-the-format")
    before = sorted(p.name for p in kafka.DATA_DIR.iterdir())
    t0 = time.monotonic()
    with pytest.raises(kafka.KafkaError) as refused:
        kafka.start()
    assert time.monotonic() - t0 < 10, "start waited for a broker that would refuse it"
    message = str(refused.value)
    assert "holds another SCRAM credential for 'admin'" in message, message
    assert "make reset" in message and "credentials.json" in message, message
    assert sorted(p.name for p in kafka.DATA_DIR.iterdir()) == before, "start deleted data"


def test_no_new_admin_password_is_made_for_formatted_storage(local_paths: Path) -> None:
    assert not local_paths.exists()
    with pytest.raises(kafka.KafkaError, match="has no admin password"):
        kafka.credentials()
    assert not local_paths.exists(), "a password the storage does not know was written"


def test_credentials_made_at_once_by_many_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kafka, "KAFKA_DIR", tmp_path)
    monkeypatch.setattr(kafka, "CREDENTIALS_FILE", tmp_path / "credentials.json")
    monkeypatch.setattr(kafka, "DATA_DIR", tmp_path / "data")  # not formatted yet
    made: list[str] = []
    start = threading.Barrier(8)

    def make() -> None:
        start.wait()
        made.append(kafka.credentials()[ADMIN])

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 8 and len(set(made)) == 1, made
    assert json.loads((tmp_path / "credentials.json").read_text())[ADMIN] == made[0]


@pytest.fixture
def broker(storage: tuple[Path, int, int], tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A real SASL broker on the formatted storage (ports of its own): its address and pid."""
    data, port, _ = storage
    config = data.parent / "server.properties"
    out = (tmp_path / "kafka.out").open("ab")
    process = subprocess.Popen(
        [
            kafka._java(),
            *kafka.HEAP,
            f"-Dkafka.logs.dir={tmp_path}",
            f"-Dlog4j2.configurationFile={kafka.LOG4J_CONFIG}",
            "-cp",
            kafka._classpath(),
            "kafka.Kafka",
            str(config),
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    bootstrap = f"{kafka.HOST}:{port}"
    try:
        deadline = time.monotonic() + kafka.READY_TIMEOUT
        while kafka.sign_in(bootstrap, admin_signing_in(FORMATTED_WITH)) != "ok":
            assert process.poll() is None, (tmp_path / "kafka.out").read_text()[-3000:]
            assert time.monotonic() < deadline, "the broker did not let the admin in"
            time.sleep(0.5)
        yield bootstrap, process.pid
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        out.close()


def test_waiting_for_a_broker_that_refuses_the_admin_stops_at_once(
    broker: tuple[str, int], local_paths: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address, pid = broker
    monkeypatch.setattr(kafka, "PORT", int(address.rsplit(":", 1)[1]))
    monkeypatch.setattr(kafka, "REFUSED_GRACE", 1.0)
    write_credentials(local_paths, "not what the storage holds")
    t0 = time.monotonic()
    with pytest.raises(kafka.KafkaError, match="holds another SCRAM credential"):
        kafka._wait_ready(pid, timeout=kafka.READY_TIMEOUT)
    assert time.monotonic() - t0 < 30, "it waited out the whole start-up timeout"
    write_credentials(local_paths, FORMATTED_WITH)
    kafka._wait_ready(pid, timeout=30)  # the right password: ready


def test_an_admin_credential_changed_on_the_broker_is_told_apart(
    broker: tuple[str, int], local_paths: Path
) -> None:
    broker_address, _ = broker
    assert kafka.sign_in(broker_address, admin_signing_in("not the password")) == "refused"

    # Someone changes the admin's credential on the broker (as the admin may).
    async def change_admin_password() -> None:
        async with KafkaAccessAdmin(broker_address, admin_signing_in(FORMATTED_WITH)) as admin:
            await admin.set_passwords({ADMIN: "changed-on-the-broker"})

    asyncio.run(change_admin_password())
    deadline = time.monotonic() + 30
    while kafka.sign_in(broker_address, admin_signing_in("changed-on-the-broker")) != "ok":
        assert time.monotonic() < deadline, "the new admin password never worked"
        time.sleep(0.3)
    assert kafka.sign_in(broker_address, admin_signing_in(FORMATTED_WITH)) == "refused"

    # The metadata log now says so: the stack's credentials.json no longer matches the storage,
    # and the message tells the operator why and what to do.
    assert kafka.stored_credential_matches(ADMIN, "changed-on-the-broker") is True
    assert kafka.stored_credential_matches(ADMIN, FORMATTED_WITH) is False
    write_credentials(local_paths, FORMATTED_WITH)
    message = kafka._refused_message()
    assert "AlterUserScramCredentials" in message and "make reset" in message, message

    # With the password put back in the storage, the refusal is the broker's own doing.
    write_credentials(local_paths, "changed-on-the-broker")
    message = " ".join(kafka._refused_message().split())
    assert "the password is right, the broker did not load" in message, message

    # Put it back for the other tests of this module.
    async def restore() -> None:
        async with KafkaAccessAdmin(
            broker_address, admin_signing_in("changed-on-the-broker")
        ) as admin:
            await admin.set_passwords({ADMIN: FORMATTED_WITH})

    asyncio.run(restore())


def test_a_stale_environment_is_named_when_an_external_cluster_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(kafka.BOOTSTRAP_ENV, "127.0.0.1:9092")
    message = kafka._refused_message()
    assert "older .local/stack.env" in " ".join(message.split()), message
    assert f"unset {kafka.BOOTSTRAP_ENV} and SOSENKI_KAFKA_SASL_*" in message, message
