"""Prometheus and promtool from Debian's ``prometheus`` package, installed once under ``.local``.

``ensure_prometheus()`` returns the paths of ``prometheus`` and ``promtool``: the machine's own
when both are on ``PATH``, else the ones unpacked into ``.local/prometheus`` from Debian's
package (``apt-get download`` + ``dpkg-deb -x``). Unpacking rather than ``apt-get install``
keeps the package's maintainer scripts from starting a system-wide Prometheus on port 9090
beside the stack's own; the two binaries are Go programs that need only libc.

Idempotent: a second call finds the unpacked binaries and returns at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from deploy.local.processes import LOCAL_DIR

PACKAGE = "prometheus"
INSTALL_DIR = LOCAL_DIR / "prometheus"
BIN_DIR = INSTALL_DIR / "usr" / "bin"


class PrometheusInstallError(RuntimeError):
    pass


def _installed() -> tuple[Path, Path] | None:
    on_path = shutil.which("prometheus"), shutil.which("promtool")
    if on_path[0] and on_path[1]:
        return Path(on_path[0]), Path(on_path[1])
    unpacked = BIN_DIR / "prometheus", BIN_DIR / "promtool"
    if all(os.access(p, os.X_OK) for p in unpacked):
        return unpacked
    return None


def _root_prefix() -> list[str]:
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo"):
        return ["sudo", "-n"]
    raise PrometheusInstallError(
        "refreshing Debian's package lists needs root: run `sudo apt-get update`, then retry"
    )


def _download(dest: Path) -> Path:
    """Debian's prometheus .deb into ``dest`` (refreshing the package lists once if needed)."""
    for attempt in range(2):
        result = subprocess.run(
            ["apt-get", "download", PACKAGE],
            cwd=dest,
            capture_output=True,
            text=True,
            check=False,
        )
        debs = sorted(dest.glob(f"{PACKAGE}_*.deb"))
        if result.returncode == 0 and debs:
            return debs[-1]
        if attempt == 0:
            subprocess.run(
                [*_root_prefix(), "apt-get", "update", "-qq"],
                capture_output=True,
                check=False,
            )
    raise PrometheusInstallError(
        f"`apt-get download {PACKAGE}` failed: {result.stderr.strip() or result.stdout.strip()}"
    )


def ensure_prometheus() -> tuple[Path, Path]:
    """The paths of ``prometheus`` and ``promtool``, unpacking Debian's package if needed."""
    found = _installed()
    if found:
        return found
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise PrometheusInstallError(
            "no prometheus/promtool on PATH and no apt-get to fetch Debian's `prometheus` package"
        )
    INSTALL_DIR.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=INSTALL_DIR.parent) as tmp:
        deb = _download(Path(tmp))
        unpacked = Path(tmp) / "root"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
        if INSTALL_DIR.exists():
            shutil.rmtree(INSTALL_DIR)
        # Renamed into place whole, so a half-unpacked tree is never taken for an install.
        unpacked.rename(INSTALL_DIR)
    found = _installed()
    if not found:
        raise PrometheusInstallError(f"Debian's {PACKAGE} package has no {BIN_DIR}/promtool")
    return found


if __name__ == "__main__":
    prometheus, promtool = ensure_prometheus()
    print(prometheus)
    print(promtool)
