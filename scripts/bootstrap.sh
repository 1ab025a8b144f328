#!/usr/bin/env bash
# Installs what the project needs on a bare machine: uv (from PyPI) and the locked Python
# environment, and with --with-browser Debian's chromium for the browser test. Java 17 and Maven
# are expected on the machine (Kafka's jars come from Maven Central).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv from PyPI" >&2
  python3 -m pip install --quiet --disable-pip-version-check "uv==0.13.8" \
    || python3 -m pip install --quiet --user --disable-pip-version-check "uv==0.13.8"
  export PATH="$HOME/.local/bin:$PATH"
fi
for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bootstrap: $tool is required (Java 17 + Maven)" >&2; exit 1; }
done
# Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE set (as on these machines) every
# process would otherwise compile its imports from source at each start (~3 s of CPU a service).
uv sync --frozen --quiet --compile-bytecode

# The test suite drives the bot's Mini App in headless Chromium (Debian's package).
if [ "${1:-}" = "--with-browser" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "bootstrap: installing Debian's chromium for the Mini App browser test" >&2
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq chromium >/dev/null
fi
