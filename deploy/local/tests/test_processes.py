"""Unit tests of deploy/local/processes.py: pid files and refusing to signal foreign processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local import processes

pytestmark = pytest.mark.unit


@pytest.fixture
def sleeper(tmp_path: Path) -> Iterator[int]:
    """A detached `sleep` recorded as 'sleeper' in tmp_path; killed afterwards if still alive."""
    pid = processes.start_detached(
        "sleeper", ["sleep", "60"], tmp_path / "sleeper.log", run_dir=tmp_path
    )
    # On a busy machine /proc/<pid>/cmdline can read empty for a moment while the new process
    # finishes its exec (CI saw it once): wait for it to show, briefly.
    deadline = time.monotonic() + 5
    while processes.cmdline(pid) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    yield pid
    if processes.matches(pid, ["sleep", "60"]):
        processes.stop_pid(pid, ["sleep", "60"], timeout=2)


def test_pid_file_round_trip(tmp_path: Path) -> None:
    assert processes.read_pid("x", tmp_path) is None
    path = processes.write_pid("x", 4242, tmp_path)
    assert path == tmp_path / "x.pid"
    assert processes.read_pid("x", tmp_path) == 4242
    processes.remove_pid("x", tmp_path)
    assert processes.read_pid("x", tmp_path) is None
    processes.remove_pid("x", tmp_path)  # removing twice is fine


@pytest.mark.parametrize("content", ["", "not a pid", "-5", "0"])
def test_garbage_pid_file_reads_as_none(tmp_path: Path, content: str) -> None:
    (tmp_path / "x.pid").write_text(content)
    assert processes.read_pid("x", tmp_path) is None


def test_stale_pid_file_is_cleaned_up(tmp_path: Path) -> None:
    proc = subprocess.Popen(["true"])
    proc.wait()
    processes.write_pid("gone", proc.pid, tmp_path)
    assert not processes.is_alive(proc.pid)
    assert processes.running_pid("gone", ["true"], tmp_path) is None
    assert not (tmp_path / "gone.pid").exists()


def test_detached_process_is_recorded_and_stoppable(tmp_path: Path, sleeper: int) -> None:
    assert processes.read_pid("sleeper", tmp_path) == sleeper
    assert processes.is_alive(sleeper)
    assert processes.cmdline(sleeper) == ["sleep", "60"]
    assert processes.running_pid("sleeper", ["sleep"], tmp_path) == sleeper
    assert processes.stop("sleeper", ["sleep", "60"], timeout=5, run_dir=tmp_path)
    assert not processes.is_alive(sleeper)
    assert processes.read_pid("sleeper", tmp_path) is None
    assert not processes.stop("sleeper", ["sleep"], run_dir=tmp_path)  # already stopped


def test_refuses_to_kill_a_pid_whose_cmdline_does_not_match(tmp_path: Path, sleeper: int) -> None:
    with pytest.raises(processes.ProcessMismatchError):
        processes.stop_pid(sleeper, ["kafka.Kafka"], timeout=1)
    assert processes.is_alive(sleeper)
    # A pid file that points at someone else's process is dropped, the process is left alone.
    assert processes.running_pid("sleeper", ["kafka.Kafka"], tmp_path) is None
    processes.write_pid("impostor", sleeper, tmp_path)
    assert not processes.stop("impostor", ["postgres"], timeout=1, run_dir=tmp_path)
    assert processes.is_alive(sleeper)
    assert processes.read_pid("impostor", tmp_path) is None


def test_matches_checks_every_marker(tmp_path: Path) -> None:
    assert processes.is_alive(os.getpid())
    assert processes.matches(os.getpid(), [Path(sys.executable).name.split(".")[0]])
    assert not processes.matches(os.getpid(), ["definitely-not-in-my-cmdline"])


def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    # A process that ignores SIGTERM is killed after the timeout.
    script = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    pid = processes.start_detached(
        "stubborn", [sys.executable, "-c", script], tmp_path / "s.log", run_dir=tmp_path
    )
    time.sleep(0.5)  # let it install the handler
    assert processes.stop("stubborn", ["SIG_IGN"], timeout=1, run_dir=tmp_path)
    assert not processes.is_alive(pid)
