"""A local single-node Apache Kafka (KRaft) broker for the SOSenki stack, without Docker.

The broker's jars come from Maven Central (``deploy/local/kafka/pom.xml``, fetched once with
``mvn dependency:copy-dependencies`` into ``.local/kafka/libs``) and it runs as
``java -cp '.local/kafka/libs/*' kafka.Kafka .local/kafka/config/server.properties``.

* broker 127.0.0.1:9092 (SASL_PLAINTEXT, SCRAM-SHA-256 only), controller 127.0.0.1:9093
  (PLAINTEXT, loopback), data in ``.local/kafka/data``; other ports with
  ``SOSENKI_LOCAL_KAFKA_PORT`` / ``SOSENKI_LOCAL_KAFKA_CONTROLLER_PORT``
* every client authenticates: the ``admin`` super user (the stack, the tests) and one user per
  service, with passwords generated once into ``.local/kafka/credentials.json`` (mode 0600);
  ACLs (``StandardAuthorizer``, nothing allowed without an ACL) come from
  ``sosenki_contracts.access`` and are applied by ``stack.py`` on every ``infra-up``
* topic auto-creation is off: ``stack.py`` creates the topics with ``ensure_topics``
* logs: ``.local/logs/kafka.log`` (Log4j2) and ``.local/logs/kafka.out`` (JVM stdout/stderr)

Storage formatted before SASL (or with other security settings) is re-formatted: the local
broker's topics and messages are deleted once, and ``start`` says so.

The admin's password is written into the storage when it is formatted, so ``credentials.json``
and the storage must agree. ``start`` checks that before starting the broker (reading the
admin's SCRAM credential from the metadata files) and, while waiting for it, tells a broker that
refuses the admin from one that is not up yet; either way it stops at once with what happened and
what to do, and deletes nothing. The admin's password is never made anew for formatted storage.

If ``SOSENKI_KAFKA_BOOTSTRAP_SERVERS`` is set no broker is started; that cluster is used instead,
with the credentials in ``SOSENKI_KAFKA_SASL_*`` (see ``sosenki_platform.kafka_security``).
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from sosenki_contracts.access import SERVICES
from sosenki_platform.kafka_security import KafkaSecurity

from deploy.local import processes
from deploy.local.processes import LOCAL_DIR, LOG_DIR, REPO_ROOT, ComponentStatus

NAME = "kafka"
HOST = "127.0.0.1"
PORT = int(os.environ.get("SOSENKI_LOCAL_KAFKA_PORT") or 9092)
CONTROLLER_PORT = int(os.environ.get("SOSENKI_LOCAL_KAFKA_CONTROLLER_PORT") or 9093)
BOOTSTRAP_ENV = "SOSENKI_KAFKA_BOOTSTRAP_SERVERS"
ADMIN_USER = "admin"
MECHANISM = "SCRAM-SHA-256"
#: Bumped whenever the broker's security settings change in a way old storage cannot serve.
SECURITY_VERSION = "sasl-scram-sha-256/1"

SOURCE_DIR = Path(__file__).resolve().parent / "kafka"
POM = SOURCE_DIR / "pom.xml"
LOG4J_CONFIG = SOURCE_DIR / "log4j2.yaml"

KAFKA_DIR = LOCAL_DIR / "kafka"
LIBS_DIR = KAFKA_DIR / "libs"
CONFIG_DIR = KAFKA_DIR / "config"
CONFIG_FILE = CONFIG_DIR / "server.properties"
DATA_DIR = KAFKA_DIR / "data"
CLUSTER_ID_FILE = KAFKA_DIR / "cluster.id"
CREDENTIALS_FILE = KAFKA_DIR / "credentials.json"
SECURITY_STAMP = DATA_DIR / "sosenki-security"
LIBS_STAMP = LIBS_DIR / ".complete"
OUT_FILE = LOG_DIR / "kafka.out"
LOG_FILE = LOG_DIR / "kafka.log"

HEAP = ["-Xms256m", "-Xmx2g"]  # many test runs leave many topics: 512 MiB and 1 GiB ran out
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


class KafkaError(RuntimeError):
    pass


def external_bootstrap() -> str | None:
    value = os.environ.get(BOOTSTRAP_ENV, "").strip()
    return value or None


def bootstrap_servers() -> str:
    return external_bootstrap() or f"{HOST}:{PORT}"


# ------------------------------------------------------------------------------ credentials


def credentials() -> dict[str, str]:
    """The local broker's user -> password (admin and every service), made once, mode 0600.

    The admin's password is written into the storage when it is formatted (its SCRAM
    credential), so it is never made anew for formatted storage: a new one would not sign in.
    Made under a lock, so two ``infra-up`` at once cannot each write a different one.
    """
    wanted = [ADMIN_USER, *(row.service for row in SERVICES)]
    known = _read_credentials()
    if all(known.get(user) for user in wanted):
        return known
    KAFKA_DIR.mkdir(parents=True, exist_ok=True)
    with (KAFKA_DIR / "credentials.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        known = _read_credentials()  # another process may have made them meanwhile
        if all(known.get(user) for user in wanted):
            return known
        if not known.get(ADMIN_USER) and (DATA_DIR / "meta.properties").exists():
            raise KafkaError(
                f"{CREDENTIALS_FILE} has no admin password, but the broker's storage "
                f"({DATA_DIR}) was formatted with one: a new password would be refused. "
                f"Restore {CREDENTIALS_FILE.name} from a backup, or delete the local broker's "
                "data with `make reset` (all local topics and events are lost)."
            )
        for user in wanted:
            known.setdefault(user, secrets.token_urlsafe(24))
        tmp = CREDENTIALS_FILE.with_suffix(f".{os.getpid()}.tmp")
        tmp.touch(mode=0o600)
        tmp.chmod(0o600)
        tmp.write_text(json.dumps(known, indent=2) + "\n")
        tmp.replace(CREDENTIALS_FILE)
    return known


def _read_credentials() -> dict[str, str]:
    try:
        known = json.loads(CREDENTIALS_FILE.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return {str(k): str(v) for k, v in known.items()} if isinstance(known, dict) else {}


def user_security(user: str) -> KafkaSecurity:
    """How ``user`` (admin or a service) signs in to the local broker."""
    return KafkaSecurity.create("SASL_PLAINTEXT", MECHANISM, user, credentials()[user])


def security() -> KafkaSecurity:
    """The stack's own (admin) credentials: the local broker's admin, or, for an external
    cluster, whatever ``SOSENKI_KAFKA_…`` says."""
    if external_bootstrap() is not None:
        return KafkaSecurity.from_env()
    return user_security(ADMIN_USER)


def service_security(service: str) -> KafkaSecurity:
    """A service's credentials: its own user on the local broker; the environment's otherwise."""
    if external_bootstrap() is not None:
        return KafkaSecurity.from_env()
    return user_security(service)


def _markers() -> list[str]:
    return ["kafka.Kafka", str(CONFIG_FILE)]


# ------------------------------------------------------------------------------------- jars


def _pom_digest() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def jars_present() -> bool:
    try:
        return LIBS_STAMP.read_text().strip() == _pom_digest()
    except FileNotFoundError:
        return False


def ensure_jars() -> bool:
    """Download the broker's jars unless already present (for this pom). True if downloaded."""
    if jars_present():
        return False
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaError("Maven (`mvn`) is needed once to fetch Kafka's jars; install maven")
    tmp = KAFKA_DIR / "libs.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    KAFKA_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={tmp}",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=str(SOURCE_DIR),
        timeout=900,
    )
    if result.returncode != 0 or not any(tmp.glob("kafka_2.13-*.jar")):
        raise KafkaError(
            f"fetching Kafka jars with Maven failed (exit {result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    (tmp / LIBS_STAMP.name).write_text(_pom_digest() + "\n")
    shutil.rmtree(LIBS_DIR, ignore_errors=True)
    tmp.rename(LIBS_DIR)
    return True


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise KafkaError("Java 17+ is needed to run Kafka 4 (`apt-get install openjdk-17-jre`)")
    return java


def _classpath() -> str:
    return str(LIBS_DIR / "*")


def _jvm_props() -> list[str]:
    return [
        f"-Dkafka.logs.dir={LOG_DIR}",
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        "-Djava.awt.headless=true",
    ]


# ----------------------------------------------------------------------------- config, storage


def server_properties(
    port: int = PORT,
    controller_port: int = CONTROLLER_PORT,
    data_dir: Path = DATA_DIR,
    admin_password: str | None = None,
) -> str:
    """The broker's configuration; with ``admin_password`` clients must sign in (SASL/SCRAM)
    and are authorised by ACLs, without it (disposable fault-test brokers) it is open."""
    if admin_password is None:
        listeners = f"""\
listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}
advertised.listeners=PLAINTEXT://{HOST}:{port}
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT"""
    else:
        jaas = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{ADMIN_USER}" password="{admin_password}";'
        )
        listeners = f"""\
# Clients: SASL_PLAINTEXT with SCRAM-SHA-256 only. The controller listener stays PLAINTEXT on
# loopback (SCRAM cannot serve it: its credentials live in the metadata the controller serves);
# its principal is ANONYMOUS, hence the super user. The admin user signs the broker in.
listeners=SASL_PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}
advertised.listeners=SASL_PLAINTEXT://{HOST}:{port}
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms={MECHANISM}
sasl.mechanism.inter.broker.protocol={MECHANISM}
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config={jaas}
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:{ADMIN_USER};User:ANONYMOUS"""
    return f"""\
# Written by deploy/local/kafka.py on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
{listeners}
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers={HOST}:{controller_port}
log.dirs={data_dir}
num.partitions=6
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
log.retention.hours=168
"""


def _config_text() -> str:
    return server_properties(admin_password=credentials()[ADMIN_USER])


def _write_config() -> None:
    CONFIG_DIR.mkdir(parents=True, exist_ok=True)
    text = _config_text()
    if not CONFIG_FILE.exists() or CONFIG_FILE.read_text() != text:
        tmp = CONFIG_FILE.with_suffix(".tmp")
        tmp.touch(mode=0o600)  # it holds the admin password
        tmp.chmod(0o600)
        tmp.write_text(text)
        tmp.replace(CONFIG_FILE)


def _storage_outdated() -> bool:
    """True if the data directory was formatted without this security (e.g. before SASL)."""
    if not (DATA_DIR / "meta.properties").exists():
        return False
    try:
        return SECURITY_STAMP.read_text().strip() != SECURITY_VERSION
    except FileNotFoundError:
        return True


def _cluster_id() -> str:
    try:
        existing = CLUSTER_ID_FILE.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    while True:  # Kafka's Uuid.randomUuid(): URL-safe base64, never starting with '-'
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            break
    KAFKA_DIR.mkdir(parents=True, exist_ok=True)
    CLUSTER_ID_FILE.write_text(cid + "\n")
    return cid


def _format_storage(
    data_dir: Path = DATA_DIR,
    config_file: Path = CONFIG_FILE,
    cluster_id: str | None = None,
    scram_users: dict[str, str] | None = None,
) -> bool:
    """Format the KRaft log directory once. True if it was formatted now.

    ``scram_users`` get their SCRAM credentials written at format time (KIP-900): the admin must
    exist before the broker starts, since nobody else may create users.
    """
    if (data_dir / "meta.properties").exists():
        return False
    data_dir.mkdir(parents=True, exist_ok=True)
    scram = [
        arg
        for user, password in (scram_users or {}).items()
        for arg in ("--add-scram", f"{MECHANISM}=[name={user},password={password}]")
    ]
    result = subprocess.run(
        [
            _java(),
            *HEAP,
            *_jvm_props(),
            "-cp",
            _classpath(),
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id or _cluster_id(),
            "-c",
            str(config_file),
            "--standalone",
            "--ignore-formatted",
            *scram,
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=str(REPO_ROOT),
        timeout=180,
    )
    if result.returncode != 0:
        raise KafkaError(
            f"formatting Kafka storage failed (exit {result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return True


# ------------------------------------------------------------------ the admin's SCRAM credential

#: KRaft metadata records (frame version 1, record type, record version 0) naming a user: a
#: UserScramCredentialRecord (type 11) sets a credential, a RemoveUserScramCredentialRecord
#: (type 22) removes it. The user name follows as a compact string, then the mechanism.
_UPSERT, _REMOVE = b"\x01\x0b\x00", b"\x01\x16\x00"
_SCRAM_SHA_256 = 1


def _metadata_files(data_dir: Path) -> list[Path]:
    """The files holding the metadata log, oldest first: the format's bootstrap records, the
    snapshots, then the log segments."""
    log_dir = data_dir / "__cluster_metadata-0"
    return [
        data_dir / "bootstrap.checkpoint",
        *sorted(log_dir.glob("*.checkpoint")),
        *sorted(log_dir.glob("*.log")),
    ]


def _compact_bytes(buf: bytes, at: int) -> tuple[bytes, int]:
    size = buf[at] - 1  # short fields only: one varint byte
    return buf[at + 1 : at + 1 + size], at + 1 + size


def stored_credential_matches(
    user: str, password: str, data_dir: Path | None = None
) -> bool | None:
    """Whether the broker's storage holds ``password`` as ``user``'s SCRAM-SHA-256 credential
    (the last record of that user in the metadata files wins); None when it holds none.

    Read from the files, so it works while the broker is down; a diagnosis only (it decides a
    message, never whether data is deleted).
    """
    data_dir = DATA_DIR if data_dir is None else data_dir
    name = user.encode()
    head = bytes([len(name) + 1]) + name + bytes([_SCRAM_SHA_256])
    latest: tuple[bytes, bytes, int] | None = None
    found = False
    for path in _metadata_files(data_dir):
        try:
            buf = path.read_bytes()
        except OSError:
            continue
        pattern = re.compile(re.escape(_UPSERT + head) + b"|" + re.escape(_REMOVE + head))
        for match in pattern.finditer(buf):
            found = True
            if match.group().startswith(_REMOVE):
                latest = None
                continue
            try:
                salt, at = _compact_bytes(buf, match.end())
                stored_key, at = _compact_bytes(buf, at)
                _server_key, at = _compact_bytes(buf, at)
                iterations = int.from_bytes(buf[at : at + 4], "big")
            except IndexError:
                continue
            latest = (salt, stored_key, iterations)
    if latest is None:
        return False if found else None
    salt, stored_key, iterations = latest
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), stored_key)


def _check_admin_credential() -> None:
    """Before starting the local broker: the storage must know credentials.json's admin."""
    if not (DATA_DIR / "meta.properties").exists() or _storage_outdated():
        return  # formatted below with the password of credentials.json
    if stored_credential_matches(ADMIN_USER, credentials()[ADMIN_USER]) is False:
        raise KafkaError(_admin_mismatch_message())


def _admin_mismatch_message() -> str:
    return (
        f"the local broker's storage ({DATA_DIR}) holds another SCRAM credential for "
        f"{ADMIN_USER!r} than {CREDENTIALS_FILE}: the admin password there was made anew after "
        "the storage was formatted (the file was lost or rewritten), or the admin's credential "
        "was changed on the broker (an AlterUserScramCredentials naming the admin). The broker "
        "would refuse the stack. Put back the credentials.json the storage was formatted with, "
        "or delete the local broker's data with `make reset` (every local topic and event is "
        "lost; PostgreSQL's data too)."
    )


async def _sign_in(bootstrap: str, security: KafkaSecurity, timeout: float) -> str:
    from aiokafka.conn import create_conn
    from aiokafka.errors import SaslAuthenticationFailed

    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    options = {
        k: v
        for k, v in security.client_options().items()
        if k
        in ("security_protocol", "sasl_mechanism", "sasl_plain_username", "sasl_plain_password")
    }
    try:
        conn = await asyncio.wait_for(create_conn(host, int(port), **options), timeout)
    except SaslAuthenticationFailed:
        return "refused"
    except Exception:
        return "down"
    conn.close()
    return "ok"


def sign_in(bootstrap: str | None = None, signed_in: KafkaSecurity | None = None) -> str:
    """``ok``, ``refused`` (the broker answers but rejects these credentials) or ``down``."""
    return asyncio.run(
        _sign_in(bootstrap or bootstrap_servers(), signed_in or security(), timeout=5.0)
    )


def _refused_message() -> str:
    """Why the broker on the stack's address refuses the stack's admin, as far as can be told."""
    external = external_bootstrap()
    if external is not None:
        return (
            f"the Kafka cluster at {external} ({BOOTSTRAP_ENV}) refuses the SASL credentials in "
            "the environment (SOSENKI_KAFKA_SASL_USERNAME/PASSWORD). If they came from an older "
            ".local/stack.env (sourced before the local broker was re-formatted), unset "
            f"{BOOTSTRAP_ENV} and SOSENKI_KAFKA_SASL_* so the stack uses its own broker and "
            f"{CREDENTIALS_FILE.name}, or source the current .local/stack.env."
        )
    verdict = stored_credential_matches(ADMIN_USER, credentials()[ADMIN_USER])
    if verdict is False:
        return _admin_mismatch_message()
    if verdict is True:
        return (
            f"the broker on {HOST}:{PORT} refuses {ADMIN_USER!r}, although its storage "
            f"({DATA_DIR}) holds exactly the password of {CREDENTIALS_FILE.name}: the password is "
            "right, the broker did not load its users' SCRAM credentials from its metadata log "
            "(seen with Kafka 4.1.1 restarted on a long metadata log: it refused every user "
            "while its controller had replayed them all). It cannot be repaired from outside "
            "(the controller listener takes no credential changes and nobody can sign in): "
            "`make reset` re-formats it, deleting every local topic and event (and PostgreSQL's "
            "data). If instead another broker (another checkout's stack) holds the port, stop it."
        )
    return (
        f"the broker on {HOST}:{PORT} refuses {ADMIN_USER!r} and {DATA_DIR} holds no SCRAM "
        f"credential for it; `make reset` re-formats the local broker (its data is lost)"
    )


# ---------------------------------------------------------------------------- broker process


async def _answers(bootstrap: str, timeout_ms: int, security: KafkaSecurity) -> list[str]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="sosenki-stack",
        request_timeout_ms=timeout_ms,
        **security.client_options(),
    )
    try:
        await admin.start()
        topics: list[str] = await admin.list_topics()
        return topics
    finally:
        await admin.close()


def broker_answers(
    bootstrap: str | None = None, timeout_ms: int = 3000, signed_in: KafkaSecurity | None = None
) -> bool:
    """True if a broker at ``bootstrap`` answers a metadata request (signed in as
    ``signed_in``, default the stack's admin)."""
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        asyncio.run(
            asyncio.wait_for(
                _answers(
                    bootstrap or bootstrap_servers(),
                    timeout_ms,
                    signed_in if signed_in is not None else security(),
                ),
                timeout_ms / 1000 + 2,
            )
        )
        return True
    except Exception:
        return False
    finally:
        quiet.setLevel(level)


def broker_pid() -> int | None:
    return processes.running_pid(NAME, _markers())


def _failure(message: str) -> KafkaError:
    return KafkaError(
        f"{message}\n--- last lines of {OUT_FILE} ---\n{processes.tail(OUT_FILE, 25)}\n"
        f"--- last lines of {LOG_FILE} ---\n{processes.tail(LOG_FILE, 25)}\n"
        f"(full logs: {OUT_FILE}, {LOG_FILE})"
    )


#: How long a started broker may refuse the admin before that is taken for a wrong password
#: (a broker still replaying its metadata may not know the users yet).
REFUSED_GRACE = 10.0


def _wait_ready(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    refused_since: float | None = None
    while time.monotonic() < deadline:
        if not processes.is_alive(pid):
            processes.remove_pid(NAME)
            raise _failure(f"the Kafka broker (pid {pid}) exited during start-up")
        if processes.port_open(HOST, PORT):
            state = sign_in()
            if state == "ok" and broker_answers(timeout_ms=2000):
                return
            if state == "refused":
                refused_since = refused_since or time.monotonic()
                if time.monotonic() - refused_since > REFUSED_GRACE:
                    raise KafkaError(_refused_message())
        time.sleep(0.3)
    raise _failure(
        f"the Kafka broker (pid {pid}) did not answer on {HOST}:{PORT} in {timeout:.0f}s"
    )


def start() -> str:
    """Start (or reuse) the broker; wait until it answers. Returns a one-line summary."""
    external = external_bootstrap()
    if external is not None:
        if sign_in(external) == "refused":
            raise KafkaError(_refused_message())
        if not broker_answers(external, timeout_ms=10_000):
            raise KafkaError(f"{BOOTSTRAP_ENV}={external} does not answer")
        return f"kafka: external cluster {external}"

    _check_admin_credential()
    pid = broker_pid()
    if pid is not None and CONFIG_FILE.exists() and CONFIG_FILE.read_text() == _config_text():
        _wait_ready(pid, READY_TIMEOUT)
        return f"kafka: already running, pid {pid}, {HOST}:{PORT}"
    restarted = False
    if pid is not None:  # running with an older configuration (e.g. before SASL): restart it
        processes.stop(NAME, _markers(), timeout=STOP_TIMEOUT)
        restarted = True
    if processes.port_open(HOST, PORT) or processes.port_open(HOST, CONTROLLER_PORT):
        raise KafkaError(
            f"something else already listens on {HOST}:{PORT} or :{CONTROLLER_PORT}; stop it, or "
            f"set {BOOTSTRAP_ENV} to use an existing cluster"
        )
    t0 = time.monotonic()
    downloaded = ensure_jars()
    _write_config()
    reformatted = _storage_outdated()
    if reformatted:
        shutil.rmtree(DATA_DIR)
    formatted = _format_storage(scram_users={ADMIN_USER: credentials()[ADMIN_USER]})
    if formatted:
        SECURITY_STAMP.write_text(SECURITY_VERSION + "\n")
    pid = processes.start_detached(
        NAME,
        [
            _java(),
            *HEAP,
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            *_jvm_props(),
            "-cp",
            _classpath(),
            "kafka.Kafka",
            str(CONFIG_FILE),
        ],
        OUT_FILE,
        cwd=REPO_ROOT,
    )
    _wait_ready(pid, READY_TIMEOUT)
    notes = [
        n
        for n, flag in (
            ("jars downloaded", downloaded),
            ("restarted with the new configuration", restarted),
            (
                "security settings changed (SASL/SCRAM + ACLs): the local broker's old data "
                "was deleted and the storage re-formatted",
                reformatted,
            ),
            ("storage formatted", formatted and not reformatted),
        )
        if flag
    ]
    extra = f" ({', '.join(notes)})" if notes else ""
    return f"kafka: started, pid {pid}, {HOST}:{PORT} in {time.monotonic() - t0:.1f}s{extra}"


def stop(timeout: float = STOP_TIMEOUT) -> bool:
    """Stop our broker (SIGTERM = controlled shutdown, SIGKILL after ``timeout``).

    With ``SOSENKI_KAFKA_BOOTSTRAP_SERVERS`` set the stack does not own a broker: nothing stops.
    """
    if external_bootstrap() is not None:
        return False
    return processes.stop(NAME, _markers(), timeout=timeout)


def status() -> ComponentStatus:
    external = external_bootstrap()
    if external is not None:
        return ComponentStatus(NAME, "external", None, external, "")
    pid = broker_pid()
    return ComponentStatus(
        NAME, "running" if pid is not None else "stopped", pid, f"{HOST}:{PORT}", str(DATA_DIR)
    )


def remove_data() -> None:
    """Delete the broker's data, config and cluster id, keeping the downloaded jars.

    Nothing to do when an external cluster is used.
    """
    if external_bootstrap() is not None:
        return
    if broker_pid() is not None:
        raise KafkaError("refusing to delete the data of a running broker; stop it first")
    shutil.rmtree(DATA_DIR, ignore_errors=True)
    shutil.rmtree(CONFIG_DIR, ignore_errors=True)
    CLUSTER_ID_FILE.unlink(missing_ok=True)
    CREDENTIALS_FILE.unlink(missing_ok=True)


class DisposableBroker:
    """A second, throwaway single-node broker on its own ports and data directory.

    It is open (PLAINTEXT, no ACLs): its clients set ``SOSENKI_KAFKA_SECURITY_PROTOCOL=PLAINTEXT``.

    Fault tests stop and restart it ("Kafka is down") without disturbing the shared broker. It uses
    the same jars as the local stack and is a child of the test process, not a detached daemon.
    """

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.port = processes.free_port()
        self.controller_port = processes.free_port()
        self.data_dir = base_dir / "data"
        self.config_file = base_dir / "server.properties"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    def start(self, timeout: float = READY_TIMEOUT) -> None:
        ensure_jars()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            server_properties(self.port, self.controller_port, self.data_dir)
        )
        cluster_id = base64.urlsafe_b64encode(uuid.UUID(int=1).bytes).decode().rstrip("=")
        _format_storage(self.data_dir, self.config_file, cluster_id)
        log = (self.base_dir / "kafka.out").open("ab")
        self.process = subprocess.Popen(
            [
                _java(),
                *HEAP,
                f"-Dkafka.logs.dir={self.base_dir}",
                f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
                "-cp",
                _classpath(),
                "kafka.Kafka",
                str(self.config_file),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(self.base_dir),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise KafkaError(f"disposable broker exited; see {self.base_dir / 'kafka.out'}")
            if processes.port_open(HOST, self.port) and broker_answers(
                self.bootstrap, 2000, KafkaSecurity()
            ):
                return
            time.sleep(0.3)
        raise KafkaError(f"disposable broker did not answer on {self.bootstrap}")

    def kill(self) -> None:
        """``kill -9`` the broker: no controlled shutdown; the next start recovers its logs."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
