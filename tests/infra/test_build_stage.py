"""The Build stage's tests run in the project's test image, and `make ci-local` takes the same path.

CodeBuild's images have no Chromium, so buildspec.yml's test step runs `make
test` in a Debian image the project defines (buildspecs/test-image.Dockerfile),
built by the install phase. These tests read the real buildspec, Makefile,
Dockerfile and scripts, and run scripts/test-image against a stand-in engine
that records what it is asked, so they need no container engine:
tests/container/ runs the image for real (make container-test).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from .cfn import REPO
from .test_requirements import _make

DOCKERFILE = REPO / "buildspecs" / "test-image.Dockerfile"
HOST_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


@cache
def _buildspec() -> dict[str, Any]:
    return yaml.safe_load((REPO / "buildspec.yml").read_text())


@cache
def _ci_local() -> ModuleType:
    """scripts/ci-local, imported as a module (it has no .py suffix)."""
    loader = importlib.machinery.SourceFileLoader("ci_local", str(REPO / "scripts" / "ci-local"))
    spec = importlib.util.spec_from_loader("ci_local", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _commands(phase: str) -> list[str]:
    return (_buildspec()["phases"].get(phase) or {}).get("commands", [])


def _dry_run(*args: str) -> str:
    return _make("-n", *args)


def _dockerfile() -> str:
    """The test image's Dockerfile, continuation lines joined."""
    return re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())


# ---- buildspec.yml: the suite runs in the test image, never on the host ----------


def test_the_build_stage_tests_in_the_test_image_and_nowhere_else() -> None:
    every = _ci_local().buildspec_commands(_buildspec())
    assert _ci_local().TEST_STEP == "make test-in-container"
    assert every.count("make test-in-container") == 1
    assert "make test-in-container" in _commands("pre_build")
    # No bare `make test` on the Amazon Linux host, which has no Chromium.
    assert not [c for c in every if re.match(r"make test(\s|$)", c)]
    # The image is built in the install phase: by make ci-install, which needs no
    # browser or Redis on the host any more.
    assert _commands("install") == ["make ci-install"]
    install = _dry_run("-B", "ci-install")
    assert re.search(r"^BASE_IMAGE=\S* scripts/test-image build", install, re.M)
    assert "need-packages" not in install, "the host installs no Chromium or Redis"
    # Lint, then the tests, then the image: a failed test pushes nothing.
    ordered = [c.split()[1] for c in every if c.startswith("make ")]
    assert ordered.index("test-in-container") < ordered.index("image-push")


def test_the_report_group_still_finds_the_junit_report() -> None:
    assert _buildspec()["reports"]["junit"]["files"] == ["reports/junit.xml"]
    # make test writes it in the image's copy of the checkout; the run copies
    # reports/ back to TEST_REPORTS, which defaults to the checkout's reports/.
    script = (REPO / "scripts" / "test-image").read_text()
    assert "REPORTS=${TEST_REPORTS:-reports}" in script
    inside = (REPO / "scripts" / "test-image-inside").read_text()
    assert re.search(r"^make --no-print-directory test &$", inside, re.M)
    assert "cp -R reports/. /reports/" in inside


def test_make_test_in_container_runs_scripts_test_image() -> None:
    recipe = _dry_run("-B", "test-in-container", "BASE_IMAGE=example/base:1")
    assert recipe.strip().splitlines()[-1] == "BASE_IMAGE=example/base:1 scripts/test-image run"


# ---- the test image: Debian, Chromium, Redis, faketime, the locked environments ----


def test_the_test_image_is_built_from_the_service_base_convention() -> None:
    service = (REPO / "Dockerfile").read_text()
    (default,) = re.findall(r"^ARG BASE_IMAGE=(\S+)$", service, re.M)
    text = _dockerfile()
    assert re.findall(r"^ARG BASE_IMAGE=(\S+)$", text, re.M) == [default]
    assert re.findall(r"^FROM (\S+)", text, re.M) == ["${BASE_IMAGE}"]
    assert "bookworm" in default


def test_the_test_image_has_debians_chromium_redis_and_faketime() -> None:
    (install,) = [line for line in _dockerfile().splitlines() if "apt-get install" in line]
    packages = set(re.search(r"--no-install-recommends ([\w\s.-]+?)(?:>|&&|$)", install).group(1).split())
    assert {"chromium", "redis-server", "faketime", "make", "git"} <= packages
    # The browser test finds Debian's binary first.
    scoreboard = (REPO / "tests" / "browser" / "test_scoreboard.py").read_text()
    assert '"/usr/bin/chromium"' in scoreboard


def _pip_installs(text: str) -> list[str]:
    return [m.strip() for m in re.findall(r"-m pip install ([^&]+)", text)]


def test_every_python_environment_is_installed_from_its_lock_with_hashes() -> None:
    text = _dockerfile()
    installs = _pip_installs(text)
    assert installs
    for install in installs:
        assert "--require-hashes" in install, install
    locks = {m for install in installs for m in re.findall(r"-r (requirements/[\w.-]+\.txt)", install)}
    # The Makefile's: .venv from build.txt then dev.txt, and a venv per tool lock
    # (.tools/<tool>), among them the ones `make test` depends on.
    tools = {p.stem for p in (REPO / "requirements").glob("*.in")} - {"build", "dev", "aws"}
    assert locks == {"requirements/build.txt", "requirements/dev.txt"} | {
        f"requirements/{t}.txt" for t in tools
    }
    for tool in tools:
        assert re.search(rf"python3 -m venv \.tools/{re.escape(tool)} ", text), tool
        assert f"touch .tools/{tool}/.installed" in text
    assert re.search(r"python3 -m venv \.venv ", text)
    dev = next(i for i in installs if "requirements/dev.txt" in i)
    assert "--no-build-isolation" in dev
    assert installs.index(next(i for i in installs if "requirements/build.txt" in i)) < installs.index(dev)
    # What it was built from, for scripts/test-image-inside to compare with the checkout.
    assert "sha256sum requirements/*.txt >/etc/sports-api-test-image/locks.sha256" in text
    inside = (REPO / "scripts" / "test-image-inside").read_text()
    assert 'sha256sum --check --quiet --strict "$LOCKS"' in inside


def test_make_lint_checks_the_test_image_dockerfile() -> None:
    assert re.search(
        r"hadolint Dockerfile buildspecs/test-image\.Dockerfile$", _dry_run("-B", "hadolint"), re.M
    )


# ---- scripts/test-image, against a stand-in engine ------------------------------

FAKE_DOCKER = textwrap.dedent(
    """\
    #!/usr/bin/env python3
    import json, os, sys
    state = os.environ["FAKE_ENGINE_STATE"]
    with open(os.path.join(state, "calls.jsonl"), "a") as log:
        log.write(json.dumps(sys.argv[1:]) + "\\n")
    images = os.path.join(state, "images")
    known = open(images).read().split() if os.path.exists(images) else []
    args = sys.argv[1:]
    if args[:2] == ["image", "inspect"]:
        if args[-1] in known:
            print("sha256:" + "ab" * 32)
            sys.exit(0)
        sys.exit(1)
    if args[:2] == ["buildx", "build"]:
        with open(images, "a") as out:
            out.write(args[args.index("--tag") + 1] + "\\n")
    sys.exit(0)
    """
)


@pytest.fixture
def engine(tmp_path: Path) -> dict[str, Any]:
    """A `docker` on PATH that records its calls, builds instantly and runs nothing."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "docker"
    fake.write_text(FAKE_DOCKER.replace("#!/usr/bin/env python3", f"#!{sys.executable}", 1))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    state = tmp_path / "engine"
    state.mkdir()
    reports = tmp_path / "reports"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("BASE_IMAGE", "PYTEST_ARGS", "CI")},
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CONTAINER_ENGINE": "docker",
        "FAKE_ENGINE_STATE": str(state),
        "TEST_REPORTS": str(reports),
        "TEST_IMAGE_NAME": "localhost/sports-api-test-unit",
    }
    return {"env": env, "state": state, "reports": reports}


def _calls(engine: dict[str, Any]) -> list[list[str]]:
    path = engine["state"] / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _script(engine: dict[str, Any], *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / "scripts" / "test-image"), *args],
        cwd=REPO,
        env={**engine["env"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_image_is_built_for_this_machine_from_requirements_only(engine: dict[str, Any]) -> None:
    built = _script(engine, "build", ARCH="arm64" if HOST_ARCH == "amd64" else "amd64")
    assert built.returncode == 0, built.stderr
    image = built.stdout.strip()
    assert re.fullmatch(r"localhost/sports-api-test-unit:[0-9a-f]{16}", image)
    (build,) = [c for c in _calls(engine) if c[:2] == ["buildx", "build"]]
    # For the machine the tests run on, whatever ARCH says of the service image.
    assert build[build.index("--platform") + 1] == f"linux/{HOST_ARCH}"
    assert build[build.index("--file") + 1] == "buildspecs/test-image.Dockerfile"
    assert build[-1] == "requirements", "the build context is the locks, nothing else"
    assert "--build-arg" not in build, "an empty BASE_IMAGE keeps the Dockerfile's default"
    # Built once: the same recipe reuses the image.
    again = _script(engine, "build")
    assert again.returncode == 0 and again.stdout.strip() == image
    assert len([c for c in _calls(engine) if c[:2] == ["buildx", "build"]]) == 1
    # Another base (the local debootstrap one, say) is another recipe.
    other = _script(engine, "build", BASE_IMAGE="localhost/sports-api-base:bookworm-amd64")
    assert other.returncode == 0 and other.stdout.strip() != image
    last = [c for c in _calls(engine) if c[:2] == ["buildx", "build"]][-1]
    assert last[last.index("--build-arg") + 1] == "BASE_IMAGE=localhost/sports-api-base:bookworm-amd64"


def test_run_mounts_the_checkout_and_the_reports_and_runs_make_test_inside(engine: dict[str, Any]) -> None:
    engine["reports"].mkdir()
    (engine["reports"] / "suite.json").write_text("{}")
    ran = _script(engine, "run", PYTEST_ARGS="tests/browser", CI="true")
    assert ran.returncode == 0, ran.stderr
    (run,) = [c for c in _calls(engine) if c[0] == "run"]
    volumes = [run[i + 1] for i, a in enumerate(run) if a == "--volume"]
    assert f"{REPO}:/checkout:ro" in volumes, "the checkout, read-only"
    assert f"{engine['reports']}:/reports" in volumes, "the reports, written back"
    environment = [run[i + 1] for i, a in enumerate(run) if a == "--env"]
    assert "PYTEST_ARGS=tests/browser" in environment and "CI=true" in environment
    assert any(e.startswith("TEST_IMAGE=localhost/sports-api-test-unit:") for e in environment)
    assert run[-2:] == ["bash", "/checkout/scripts/test-image-inside"]
    assert run[-3].startswith("localhost/sports-api-test-unit:")
    assert not (engine["reports"] / "suite.json").exists(), "an earlier stamp does not outlive its run"


# ---- make ci-local: the same commands, the same test step ------------------------


def test_ci_local_runs_the_buildspec_commands_in_order() -> None:
    ci_local = _ci_local()
    assert "buildspec.yml" in (REPO / "scripts" / "ci-local").read_text()
    lines = ci_local.steps(_buildspec(), None)
    ran = [line for line in lines if not line.startswith("printf ")]
    assert ran == ci_local.buildspec_commands(_buildspec())
    assert "make test-in-container" in ran
    assert re.search(r"^ci-local: venv\b", (REPO / "Makefile").read_text(), re.M)
    assert _dry_run("-B", "-o", ".venv/.installed", "ci-local").strip().endswith("scripts/ci-local")


def test_ci_local_reuses_a_passing_suite_only_in_place_of_the_test_step_and_says_so() -> None:
    ci_local = _ci_local()
    said = "the whole suite passed on this very tree on the host x, finished then: 9 passed, 0 skipped"
    reused = ci_local.steps(_buildspec(), said)
    ran = [line for line in reused if not line.startswith("printf ")]
    assert ran == [c for c in ci_local.buildspec_commands(_buildspec()) if c != "make test-in-container"]
    (notice,) = [line for line in reused if "not run again" in line]
    assert said in notice and "REUSE_TESTS=0" in notice


# ---- scripts/suite-stamp: what may be reused -------------------------------------

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0"
failures="{failures}" skipped="1" tests="3" time="1.0" hostname="h"></testsuite></testsuites>"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A small git checkout with scripts/suite-stamp and a passing report."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "suite-stamp", root / "scripts" / "suite-stamp")
    (root / ".gitignore").write_text("reports/\n.venv/\n")
    (root / "app.py").write_text("print('hi')\n")
    (root / "reports").mkdir()
    (root / "reports" / "junit.xml").write_text(JUNIT.format(failures=0))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "one"], cwd=root, check=True)
    return root


def _stamp(root: Path, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/suite-stamp", command],
        cwd=root,
        # Where it runs is the caller's to say: not the test image this suite may be in.
        env={**{k: v for k, v in os.environ.items() if k != "TEST_IMAGE"}, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_passing_run_is_reusable_on_the_same_tree_only(checkout: Path) -> None:
    assert _stamp(checkout, "check").returncode == 1, "nothing recorded yet"
    assert _stamp(checkout, "write", TEST_IMAGE="localhost/sports-api-test:k (abc)").returncode == 0
    check = _stamp(checkout, "check")
    assert check.returncode == 0, check.stdout
    assert "in the test image localhost/sports-api-test:k" in check.stdout and "2 passed" in check.stdout
    # Ignored files (a virtualenv, reports) are not the tree.
    (checkout / ".venv").mkdir()
    (checkout / ".venv" / "x").write_text("x")
    assert _stamp(checkout, "check").returncode == 0
    # An untracked file, an edit or an exec bit is.
    (checkout / "new.py").write_text("")
    assert "tree changed" in _stamp(checkout, "check").stdout
    (checkout / "new.py").unlink()
    assert _stamp(checkout, "check").returncode == 0
    (checkout / "app.py").chmod(0o755)
    assert _stamp(checkout, "check").returncode == 1


def test_a_report_that_is_not_the_stamped_one_is_not_reused(checkout: Path) -> None:
    assert _stamp(checkout, "write").returncode == 0
    assert "on the host" in _stamp(checkout, "check").stdout
    (checkout / "reports" / "junit.xml").write_text(JUNIT.format(failures=1))
    check = _stamp(checkout, "check")
    assert check.returncode == 1 and "not the report" in check.stdout


def test_make_test_stamps_only_a_run_of_the_whole_suite() -> None:
    whole = _dry_run("-B", "-o", ".venv/.installed", "-o", "tools", "-o", "system-packages", "test")
    assert re.search(r"^rm -f reports/suite\.json$", whole, re.M)
    assert re.search(r"^\.venv/bin/python scripts/suite-stamp write$", whole, re.M)
    lines = whole.splitlines()
    assert lines.index(".venv/bin/python scripts/suite-stamp write") > next(
        i for i, line in enumerate(lines) if "-m pytest --junitxml=reports/junit.xml" in line
    )
    subset = _dry_run(
        "-B",
        "-o",
        ".venv/.installed",
        "-o",
        "tools",
        "-o",
        "system-packages",
        "test",
        "PYTEST_ARGS=tests/unit",
    )
    assert "suite-stamp write" not in subset
