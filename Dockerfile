# One image for every SOSenki service; the container's command picks the service:
#
#   docker build -t sosenki:local .
#   docker run --rm sosenki:local python -m ledger      # or splits, recurring, bot_gateway, reporting
#
# docker-compose.yml builds this image once per service entry (same tag, cached layers).

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
# build: resolve the workspace into /app/.venv from the lock file (uv.lock at the repo root)
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ARG UV_VERSION=0.13.8
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install "uv==${UV_VERSION}"

# Use the image's CPython (never download one), install real copies (not links into uv's cache)
# and compile bytecode at build time, so the runtime image needs neither uv nor write access.
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1

WORKDIR /app

# Third-party dependencies first: this layer is rebuilt only when the lock or a project's
# pyproject.toml changes, not on every source edit.
COPY pyproject.toml uv.lock ./
COPY libs/contracts/pyproject.toml libs/contracts/pyproject.toml
COPY libs/platform/pyproject.toml libs/platform/pyproject.toml
COPY services/ledger/pyproject.toml services/ledger/pyproject.toml
COPY services/splits/pyproject.toml services/splits/pyproject.toml
COPY services/recurring/pyproject.toml services/recurring/pyproject.toml
COPY services/bot-gateway/pyproject.toml services/bot-gateway/pyproject.toml
COPY services/reporting/pyproject.toml services/reporting/pyproject.toml
RUN uv sync --frozen --no-dev --all-packages --no-install-workspace

# Then the workspace itself (libs and all five services).
COPY libs libs
COPY services services
RUN uv sync --frozen --no-dev --all-packages

# ---------------------------------------------------------------------------------------------
# runtime: the same CPython, the project and its virtual environment, a non-root user
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

RUN groupadd --system --gid 10001 sosenki \
 && useradd --system --uid 10001 --gid sosenki --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin sosenki

# Owned by root and read-only for the service user: the code cannot be changed at runtime.
COPY --from=build /app /app

ENV PATH="/app/.venv/bin:${PATH}" \
    VIRTUAL_ENV=/app/.venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /app
USER 10001:10001

# Default HTTP ports (sosenki_platform.settings.DEFAULT_PORTS).
EXPOSE 8001 8002 8003 8004 8005

# No default service: say how to choose one.
CMD ["python", "-c", "raise SystemExit('choose a service: python -m ledger | splits | recurring | bot_gateway | reporting')"]
