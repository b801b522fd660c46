# sports-api image: `make image` builds it (docker buildx, or podman where there
# is no Docker engine) and `make container-test` builds and runs it.
#
# BASE_IMAGE is any Debian-based image with python3 (3.11+) and its venv module
# on PATH: the official slim image by default, a local debootstrap image in the
# container test. The target architecture comes from `--platform` (make image
# ARCH=amd64|arm64); nothing here is architecture-specific.
ARG BASE_IMAGE=docker.io/library/python:3.11.14-slim-bookworm

# --- build: the dependencies and the app, installed into a virtualenv ---------
FROM ${BASE_IMAGE} AS build

# A CA bundle for networks that intercept TLS (the container test mounts the
# host's at build time). Build stage only, never shipped.
ARG PIP_CERT

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN python3 -m venv /opt/venv

# Dependencies first: this layer is reused until a lock changes. Every package
# is checked against the hashes `make lock` recorded; source distributions are
# built with the locked build backend, never one pip would fetch unchecked.
# requirements/aws.txt adds boto3 for the DynamoDB archive (ARCHIVE_BACKEND=dynamodb).
COPY requirements.txt /src/
COPY requirements/build.txt requirements/aws.txt /src/requirements/
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes --requirement /src/requirements/build.txt \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes --no-deps --no-build-isolation \
       --requirement /src/requirements.txt --requirement /src/requirements/aws.txt

COPY pyproject.toml /src/
COPY src /src/src
# The app itself (no dependencies: they are locked above), then the installer
# and the build backend, which the running service never needs.
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation /src \
    && /opt/venv/bin/pip uninstall --yes --quiet setuptools pip

# --- runtime: the virtualenv and nothing else ---------------------------------
FROM ${BASE_IMAGE} AS runtime

# A fixed, unprivileged identity: the same UID on every build and every host.
RUN groupadd --gid 10001 sports-api \
    && useradd --no-log-init --uid 10001 --gid 10001 \
       --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin sports-api

# Owned by root and read-only to the service: it can write nowhere but /tmp
# (the container runs with a read-only root filesystem and a tmpfs /tmp).
COPY --from=build /opt/venv /opt/venv
COPY scripts/container-healthcheck /usr/local/bin/sports-api-healthcheck

# Settings the service reads (see src/sports_api/core/config.py), among them:
#   PORT                       listen port (8080)
#   FORWARDED_ALLOW_IPS        who may set X-Forwarded-*: the load balancer's
#                              range, e.g. the VPC CIDR (default 127.0.0.1)
#   GRACEFUL_SHUTDOWN_SECONDS  in-flight grace after SIGTERM (25, under the
#                              ECS stop timeout of 30)
#   DATA_SOURCE, SERPAPI_API_KEY (a secret: inject it at run time, never here)
#   ARCHIVE_BACKEND            dynamodb in the service stack; the default, sqlite,
#                              keeps results under DATA_DIR, in /tmp here: the
#                              only writable place, and gone with the container
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8080 \
    DATA_DIR=/tmp/sports-api

USER 10001:10001
EXPOSE 8080

# No curl or wget in the image: a few lines of the standard library instead.
# ECS ignores this; its task definition runs the same command.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
    CMD ["sports-api-healthcheck"]

# The server is PID 1 and receives SIGTERM itself: uvicorn stops accepting
# connections, lets in-flight requests finish and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/venv/bin/python", "-m", "sports_api"]

# Last, so a new commit rebuilds no layer above.
ARG BASE_IMAGE
ARG SOURCE=""
ARG REVISION=unknown
ARG VERSION=unknown
LABEL org.opencontainers.image.title="sports-api" \
      org.opencontainers.image.description="Live game schedules and scores from SerpAPI: normalised, cached and quota-safe." \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
