# shellcheck shell=bash
# Shared by scripts/container-*: which engine to use, and how to call it here.
# Source it from the repository root; it defines functions and variables, and
# writes nothing outside .cache/container/.
#
#   CONTAINER_ENGINE  docker | podman (default: docker when `docker info`
#                     answers, i.e. an engine is running; podman otherwise)
#   CONTAINERS_CONF   podman's configuration; when unset, a generated one
#                     (see podman_conf below)

CONTAINER_CACHE=${CONTAINER_CACHE:-.cache/container}

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Milliseconds since the epoch, for timings.
now_ms() { date +%s%3N; }

# The machine's architecture in Docker's terms (amd64, arm64).
host_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) uname -m ;;
  esac
}

check_arch() {
  case "$1" in
    amd64 | arm64) ;;
    *) die "ARCH must be amd64 or arm64, not '$1'" ;;
  esac
}

# Docker only when its engine answers: the client binary alone proves nothing.
container_engine() {
  if [ -n "${CONTAINER_ENGINE:-}" ]; then
    echo "$CONTAINER_ENGINE"
  elif command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; then
    echo docker
  elif command -v podman >/dev/null 2>&1; then
    echo podman
  else
    echo none
  fi
}

# podman as root on these machines needs two settings, kept out of the user's
# own configuration by pointing CONTAINERS_CONF at a file of ours:
#   default_ulimits = []  containers keep podman's limits: raising RLIMIT_NOFILE
#                         is refused here ("error setting rlimit type 7")
#   runtime = "runc"      the runtime Debian's podman is tested with here
# Builds use chroot isolation (BUILDAH_ISOLATION), which needs no extra
# namespaces from the sandbox. Without systemd podman cannot schedule
# HEALTHCHECKs and says so on every run; DISABLE_HC_SYSTEMD stops it trying
# (`podman healthcheck run` still runs one).
podman_conf() {
  export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}
  [ -d /run/systemd/system ] || export DISABLE_HC_SYSTEMD=true
  [ -n "${CONTAINERS_CONF:-}" ] && return 0
  mkdir -p "$CONTAINER_CACHE"
  local conf="$CONTAINER_CACHE/containers.conf"
  printf '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n' >"$conf.tmp.$$"
  mv "$conf.tmp.$$" "$conf"
  CONTAINERS_CONF="$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")"
  export CONTAINERS_CONF
}

# Labels and tags from the checkout: commit, app version, repository URL.
git_revision() { git rev-parse HEAD 2>/dev/null || echo unknown; }
git_short_revision() { git rev-parse --short HEAD 2>/dev/null || echo dev; }
app_version() { PYTHONPATH=src python3 -c 'import sports_api; print(sports_api.__version__)'; }
# The origin as a browsable https URL, with any credentials in it removed: a
# token in a remote URL must not end up in a label.
source_url() {
  local url
  url=$(git remote get-url origin 2>/dev/null) || return 0
  printf '%s\n' "$url" | sed -E \
    -e 's#^git@([^:]+):#https://\1/#' \
    -e 's#^ssh://(git@)?([^/]+)/#https://\2/#' \
    -e 's#^(https?://)[^/@]*@#\1#' \
    -e 's#\.git$##'
}
