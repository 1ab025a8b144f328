"""Small process-management helpers for the local stack (no Docker on developer machines).

Every long-running process the local stack starts is *detached* (its own session, stdin closed,
output to a log file) so that it outlives the command that started it, and its pid is recorded in
``.local/run/<name>.pid``.  A process is only ever signalled by that recorded pid, and only after
checking ``/proc/<pid>/cmdline`` still looks like the process we started (pids get reused): never
by name.

``deploy/local/services.py`` reuses these helpers for the service processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The repository root, computed from this file's location (never from the current directory).
REPO_ROOT: Path = Path(__file__).resolve().parents[2]
#: Everything the local stack writes lives here (git-ignored).
LOCAL_DIR: Path = REPO_ROOT / ".local"
RUN_DIR: Path = LOCAL_DIR / "run"
LOG_DIR: Path = LOCAL_DIR / "logs"


class ProcessMismatchError(RuntimeError):
    """The pid is alive but its command line is not the process we expected: refuse to touch it."""


# --------------------------------------------------------------------------------------- pid files


def pid_file(name: str, run_dir: Path | None = None) -> Path:
    return (run_dir or RUN_DIR) / f"{name}.pid"


def write_pid(name: str, pid: int, run_dir: Path | None = None) -> Path:
    path = pid_file(name, run_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".pid.tmp")
    tmp.write_text(f"{pid}\n")
    tmp.replace(path)
    return path


def read_pid(name: str, run_dir: Path | None = None) -> int | None:
    """The recorded pid, or None when there is no pid file or it does not hold a positive int."""
    path = pid_file(name, run_dir)
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    try:
        pid = int(text.splitlines()[0]) if text else 0
    except ValueError:
        return None
    return pid if pid > 0 else None


def remove_pid(name: str, run_dir: Path | None = None) -> None:
    pid_file(name, run_dir).unlink(missing_ok=True)


# ------------------------------------------------------------------------------- process inspection


def cmdline(pid: int) -> list[str] | None:
    """The process's argv from /proc, or None when there is no such (live) process."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    if not raw:  # zombies and kernel threads have an empty cmdline
        return None
    return [part.decode(errors="replace") for part in raw.rstrip(b"\0").split(b"\0")]


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    # The state follows the parenthesised command name, which may itself contain spaces/parens.
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state in ("Z", "X")


def _reap(pid: int) -> None:
    """Collect the exit status if ``pid`` is our own child (so it does not linger as a zombie)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def is_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    if pid <= 0:
        return False
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    return not _is_zombie(pid)


def matches(pid: int, markers: Sequence[str]) -> bool:
    """True if ``pid`` is alive and every marker occurs somewhere in its command line."""
    argv = cmdline(pid)
    if argv is None or not is_alive(pid):
        return False
    joined = " ".join(argv)
    return all(marker in joined for marker in markers)


def running_pid(name: str, markers: Sequence[str], run_dir: Path | None = None) -> int | None:
    """The pid recorded for ``name`` if that process is still ours and alive.

    A stale pid file (dead process, or pid reused by something else) is removed.
    """
    pid = read_pid(name, run_dir)
    if pid is None:
        return None
    if matches(pid, markers):
        return pid
    remove_pid(name, run_dir)
    return None


# ------------------------------------------------------------------------------ start and stop


def start_detached(
    name: str,
    argv: Sequence[str],
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    run_dir: Path | None = None,
) -> int:
    """Start ``argv`` in a new session with output appended to ``log_path``; record its pid.

    The child does not die with the caller (no controlling terminal, own process group).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        log.write(
            f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(argv)}\n".encode()
        )
        log.flush()
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(cwd or REPO_ROOT),
            env=dict(env) if env is not None else None,
            start_new_session=True,
            close_fds=True,
        )
    write_pid(name, proc.pid, run_dir)
    return proc.pid


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``pid`` to exit; True if it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.1)
    return not is_alive(pid)


def stop_pid(
    pid: int,
    markers: Sequence[str],
    *,
    timeout: float = 20.0,
    sig: signal.Signals = signal.SIGTERM,
) -> bool:
    """Send ``sig`` to ``pid``, then SIGKILL if it has not exited after ``timeout`` seconds.

    Returns False if the process was already gone.  Raises ProcessMismatchError (and signals
    nothing) if the pid is alive but its command line does not contain all ``markers``.
    """
    if not is_alive(pid):
        return False
    if not matches(pid, markers):
        raise ProcessMismatchError(
            f"pid {pid} is alive but its command line {cmdline(pid)!r} does not contain "
            f"{list(markers)!r}; not signalling it"
        )
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    if wait_gone(pid, timeout):
        return True
    # Re-check before escalating: never SIGKILL a pid that was reused in the meantime.
    if matches(pid, markers):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        wait_gone(pid, 5.0)
    return True


def stop(
    name: str,
    markers: Sequence[str],
    *,
    timeout: float = 20.0,
    sig: signal.Signals = signal.SIGTERM,
    run_dir: Path | None = None,
) -> bool:
    """Stop the process recorded under ``name`` (if it is still ours) and remove its pid file.

    Returns True if a running process was stopped.  A pid file pointing at a foreign process is
    removed without signalling anything.
    """
    pid = read_pid(name, run_dir)
    if pid is None:
        return False
    try:
        stopped = stop_pid(pid, markers, timeout=timeout, sig=sig)
    except ProcessMismatchError:
        stopped = False
    remove_pid(name, run_dir)
    return stopped


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (blocks until free; released on exit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# ------------------------------------------------------------------------------------- network


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a text file ('' if it does not exist)."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 256 * 1024))
            data = f.read()
    except FileNotFoundError:
        return ""
    return "\n".join(data.decode(errors="replace").splitlines()[-lines:])


# ------------------------------------------------------------------------------------- status


@dataclass(frozen=True)
class ComponentStatus:
    """What ``stack.py status`` shows for one component."""

    name: str
    state: str  # "running", "stopped", "external", ...
    pid: int | None
    address: str
    detail: str = ""

    @property
    def running(self) -> bool:
        return self.state in ("running", "external")
