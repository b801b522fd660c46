# The image the pipeline's Build stage runs the test suite in (make test-image
# builds it; make test-in-container runs `make test` in it, buildspec.yml's
# test step). CodeBuild's images have no Chromium package (Amazon Linux) or
# none that runs in a container (Ubuntu's is a snap stub), so the suite runs on
# Debian, like the service: Debian's chromium, redis-server and faketime, and
# every Python environment `make test` uses, installed from the locks with
# their hashes checked, exactly as the Makefile installs them:
#
#   /src/.venv                  requirements/build.txt + requirements/dev.txt
#   /src/.tools/<tool>          requirements/<tool>.txt (uv, checkov, taskcat,
#                               openapi-python-client)
#
# The checkout is not in the image: scripts/test-image-inside copies it into
# /src at run time (the app is installed editable there by `make venv`), and
# scripts/test-image checks that the locks it was built from are the
# checkout's.
#
# Build context: requirements/ (the locks, nothing else). BASE_IMAGE follows
# the service Dockerfile: the official slim Python image by default, the local
# debootstrap base (scripts/container-base) where there is no registry. Nothing
# here is architecture-specific; it is built for the machine that runs it.
ARG BASE_IMAGE=docker.io/library/python:3.11.14-slim-bookworm
FROM ${BASE_IMAGE}

# A CA bundle for networks that intercept TLS (scripts/test-image mounts the
# host's at build time): pip reads it. Never in a layer.
ARG PIP_CERT

ENV LANG=C.UTF-8 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DEBIAN_FRONTEND=noninteractive

# Debian's packages, the same ones `make system-packages` installs on a host:
# chromium (the scoreboard's browser test, driven by Playwright with this
# binary), redis-server (the Redis tests), faketime (make test-calendar), and
# make and git, which the suite and its stamp call. The versions are the
# base's Debian release (bookworm) as of the build: Debian ships only security
# and bug fixes there, and retires superseded Chromium builds from its mirror
# within weeks, so an exact pin would break the build on a date rather than on
# a change. /etc/sports-api-test-image/packages lists what was installed, and
# every run prints the versions (scripts/test-image-inside).
# hadolint ignore=DL3008
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends chromium redis-server faketime make git >/dev/null \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && mkdir -p /etc/sports-api-test-image \
    && dpkg-query -W -f '${Package} ${Version}\n' chromium redis-server faketime make git \
       >/etc/sports-api-test-image/packages

WORKDIR /src

# The tools' own virtualenvs first (their locks change least), one layer each,
# as the Makefile's .tools/%/.installed rule makes them.
COPY uv.txt /src/requirements/
RUN python3 -m venv .tools/uv \
    && .tools/uv/bin/python -m pip install --no-cache-dir -qq --require-hashes -r requirements/uv.txt \
    && touch .tools/uv/.installed
COPY checkov.txt /src/requirements/
RUN python3 -m venv .tools/checkov \
    && .tools/checkov/bin/python -m pip install --no-cache-dir -qq --require-hashes -r requirements/checkov.txt \
    && touch .tools/checkov/.installed
COPY taskcat.txt /src/requirements/
RUN python3 -m venv .tools/taskcat \
    && .tools/taskcat/bin/python -m pip install --no-cache-dir -qq --require-hashes -r requirements/taskcat.txt \
    && touch .tools/taskcat/.installed
COPY openapi-python-client.txt /src/requirements/
RUN python3 -m venv .tools/openapi-python-client \
    && .tools/openapi-python-client/bin/python -m pip install --no-cache-dir -qq --require-hashes \
       -r requirements/openapi-python-client.txt \
    && touch .tools/openapi-python-client/.installed

# The development virtualenv, as `make venv` installs it: the locked build
# backend first, then the dev set (runtime included) without build isolation.
# The app itself is installed editable at run time, from the copied checkout.
COPY build.txt dev.txt /src/requirements/
RUN python3 -m venv .venv \
    && .venv/bin/python -m pip install --no-cache-dir -qq --require-hashes -r requirements/build.txt \
    && .venv/bin/python -m pip install --no-cache-dir -qq --require-hashes --no-build-isolation \
       -r requirements/dev.txt

# What the image was built from, for scripts/test-image-inside to compare with
# the checkout it is given.
RUN sha256sum requirements/*.txt >/etc/sports-api-test-image/locks.sha256

CMD ["bash"]
