"""Contract tests between the buildspecs, the Makefile and the pipeline stack.

The buildspecs are thin: each phase calls make. These tests check that every
target they call exists, that every variable they read is provided by their
CodeBuild project or the pipeline actions that run it, that the Parameter Store
names behind those variables exist and are readable by exactly that project's
role, that no project gets a secret, and that the variable the build exports is
the one the deploy actions read.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from typing import Any

import pytest
import yaml

from .cfn import REPO, as_list, load, policy_statements, resources, sub_text, substitute, unconditional

BUILDSPEC = REPO / "buildspec.yml"
SMOKE = REPO / "buildspecs" / "smoke.yml"

# Variables CodeBuild itself sets in every build.
CODEBUILD_BUILTINS = {
    "CODEBUILD_RESOLVED_SOURCE_VERSION",
    "CODEBUILD_SOURCE_VERSION",
    "CODEBUILD_BUILD_NUMBER",
    "CODEBUILD_BUILD_ID",
    "CODEBUILD_SRC_DIR",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "HOME",
    "PATH",
}

# What each buildspec calls: the Makefile (or mk/*.mk) must define all of them.
EXPECTED_TARGETS = {
    "buildspec.yml": {"ci-install", "lint", "test-in-container", "image-push"},
    "buildspecs/smoke.yml": {"smoke"},
}


@cache
def _spec(name: str) -> dict[str, Any]:
    return yaml.safe_load((REPO / name).read_text())


def _commands(spec: dict[str, Any]) -> list[str]:
    return [c for phase in spec["phases"].values() for c in phase.get("commands", [])]


@cache
def _make_targets() -> frozenset[str]:
    """Every target make knows after reading the Makefile and what it includes."""
    run = subprocess.run(
        ["make", "-pRrq", "-f", "Makefile", ":"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    targets, not_a_target = set(), False
    for line in run.stdout.splitlines():
        if line.startswith("# Not a target"):
            not_a_target = True
            continue
        match = re.match(r"^([A-Za-z0-9][\w.-]*):(?:\s|$)", line)
        if match and not not_a_target and not re.search(r"\s[:+?!]?=\s", line):
            targets.add(match.group(1))
        not_a_target = False
    assert "help" in targets, f"could not read make's database: {run.stderr[-500:]}"
    return frozenset(targets)


def _project(logical_id: str) -> dict[str, Any]:
    return resources(load("pipeline"), "AWS::CodeBuild::Project")[logical_id]["Properties"]


def _project_env(logical_id: str) -> dict[str, dict[str, Any]]:
    return {v["Name"]: v for v in _project(logical_id)["Environment"]["EnvironmentVariables"]}


def _actions() -> list[dict[str, Any]]:
    """Every pipeline action, conditional stages included."""
    pipeline = resources(load("pipeline"), "AWS::CodePipeline::Pipeline")["Pipeline"]["Properties"]
    found = []
    for stage in pipeline["Stages"]:
        stage = stage["Fn::If"][1] if "Fn::If" in stage else stage
        found.extend(stage["Actions"])
    return found


def _action_env(logical_id: str) -> set[str]:
    """Variables every pipeline action running this project passes it."""
    runs = [a for a in _actions() if a["Configuration"].get("ProjectName") == {"Ref": logical_id}]
    assert runs, f"no pipeline action runs {logical_id}"
    names = []
    for action in runs:
        text = sub_text(action["Configuration"].get("EnvironmentVariables", "[]"))
        names.append({v["name"] for v in json.loads(substitute(text))})
    return set.intersection(*names)


def _variables_read(spec: dict[str, Any]) -> set[str]:
    names = set()
    for command in _commands(spec):
        names |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", command))
    return names


def _variables_set(spec: dict[str, Any]) -> set[str]:
    names = set(spec.get("env", {}).get("variables", {}))
    names |= set(spec.get("env", {}).get("parameter-store", {}))
    names |= set(spec.get("env", {}).get("secrets-manager", {}))
    for command in _commands(spec):
        names |= set(re.findall(r"^export ([A-Z][A-Z0-9_]*)=", command))
    return names


@pytest.mark.parametrize("name", ["buildspec.yml", "buildspecs/smoke.yml"])
def test_buildspec_is_version_02_and_thin(name: str) -> None:
    spec = _spec(name)
    assert spec["version"] == 0.2
    assert spec["env"]["shell"] == "bash"
    for command in _commands(spec):
        # Each step is a make target; the only other lines set a variable.
        assert command.startswith("make ") or re.match(r"^export [A-Z_]+=", command), command
    assert any(c.startswith("make ") for c in _commands(spec))


@pytest.mark.parametrize("name", ["buildspec.yml", "buildspecs/smoke.yml"])
def test_every_make_target_called_exists(name: str) -> None:
    called = {
        re.match(r"make ([\w.-]+)", c).group(1) for c in _commands(_spec(name)) if c.startswith("make ")
    }
    assert called == EXPECTED_TARGETS[name]
    missing = called - _make_targets()
    assert not missing, f"{name} calls make targets nobody defines yet: {sorted(missing)}"


def test_build_reports_junit_and_caches_pip() -> None:
    spec = _spec("buildspec.yml")
    (report,) = spec["reports"].values()
    assert report["files"] == ["reports/junit.xml"]
    assert report["file-format"] == "JUNITXML"
    assert "--junitxml=reports/junit.xml" in (REPO / "Makefile").read_text()
    assert any(p.startswith("/root/.cache/pip") for p in spec["cache"]["paths"])
    # The project keeps that cache between builds.
    assert _project("BuildProject")["Cache"]["Type"] in ("S3", "LOCAL")
    # CodeBuild files `reports: <name>` under <project name>-<name>.
    (report_name,) = spec["reports"]
    group = resources(load("pipeline"), "AWS::CodeBuild::ReportGroup")["TestReportGroup"]["Properties"]
    assert sub_text(group["Name"]) == f"{sub_text(_project('BuildProject')['Name'])}-{report_name}"


def test_exported_image_uri_is_what_the_deploy_actions_read() -> None:
    spec = _spec("buildspec.yml")
    assert spec["env"]["exported-variables"] == ["IMAGE_URI"]
    assert "IMAGE_URI" in _variables_set(spec)
    (build,) = [a for a in _actions() if a["ActionTypeId"]["Category"] == "Build"]
    assert build["Configuration"]["ProjectName"] == {"Ref": "BuildProject"}
    deploys = [a for a in _actions() if a["ActionTypeId"]["Provider"] == "CloudFormation"]
    assert len(deploys) == 2
    for deploy in deploys:
        overrides = json.loads(substitute(sub_text(deploy["Configuration"]["ParameterOverrides"])))
        assert overrides["ImageUri"] == f"#{{{build['Namespace']}.IMAGE_URI}}"
    # The image is pushed with a tag naming the commit, never `latest`, then
    # released by the digest that tag got.
    tag_line = next(c for c in _commands(spec) if c.startswith("export IMAGE_TAG_URI="))
    assert "CODEBUILD_RESOLVED_SOURCE_VERSION" in tag_line and "latest" not in tag_line
    push = next(c for c in _commands(spec) if c.startswith("make image-push"))
    assert 'IMAGE_URI="$IMAGE_TAG_URI"' in push
    commands = _commands(spec)
    assert commands.index(push) < commands.index(
        next(c for c in commands if c.startswith("export IMAGE_URI="))
    )


@pytest.mark.parametrize(
    ("name", "project"), [("buildspec.yml", "BuildProject"), ("buildspecs/smoke.yml", "SmokeProject")]
)
def test_every_variable_a_buildspec_reads_is_provided(name: str, project: str) -> None:
    spec = _spec(name)
    provided = set(_project_env(project)) | _action_env(project) | _variables_set(spec) | CODEBUILD_BUILTINS
    missing = _variables_read(spec) - provided
    assert not missing, f"{name} reads {sorted(missing)}, which its project does not provide"
    source = _project(project)["Source"]
    assert source == {"Type": "CODEPIPELINE", "BuildSpec": name}


def test_build_parameters_exist_and_the_build_role_reads_exactly_them() -> None:
    pipeline = load("pipeline")
    ssm = resources(pipeline, "AWS::SSM::Parameter")
    env = _project_env("BuildProject")
    from_store = {n: v for n, v in env.items() if v["Type"] == "PARAMETER_STORE"}
    assert set(from_store) == {"ARCH", "REPOSITORY_URI", "SERVICE_STACK"}
    referenced = set()
    for name, variable in from_store.items():
        logical_id = variable["Value"]["Ref"]
        assert logical_id in ssm, f"{name} comes from a parameter no stack creates"
        assert (
            sub_text(ssm[logical_id]["Properties"]["Name"])
            == f"/${{ProjectName}}/${{Environment}}/build/{name}"
        )
        referenced.add(logical_id)
    # Names the buildspec itself would read (env: parameter-store:) must be created too.
    created = {substitute(sub_text(p["Properties"]["Name"])) for p in ssm.values()}
    for spec_name in ("buildspec.yml", "buildspecs/smoke.yml"):
        for parameter in _spec(spec_name).get("env", {}).get("parameter-store", {}).values():
            assert parameter in created, f"{spec_name} reads {parameter}, which no stack creates"
    grants = [
        s for where, s in policy_statements(pipeline) if where.startswith("BuildRole") and _touches(s, "ssm:")
    ]
    (grant,) = grants
    assert as_list(grant["Action"]) == ["ssm:GetParameters"]
    allowed = {re.search(r"parameter\$\{(\w+)\}$", sub_text(r)).group(1) for r in as_list(grant["Resource"])}
    assert allowed == referenced
    for where, statement in policy_statements(pipeline):
        if not where.startswith("BuildRole"):
            assert not _touches(statement, "ssm:"), f"{where} reads Parameter Store"


def test_no_project_gets_a_secret_or_may_read_one() -> None:
    """No test needs the SerpAPI key: neither project receives it, and neither role may read it.

    The contract check's project reads it (a SECRETS_MANAGER variable), and only its
    role may: tests/infra/test_contract_stage.py."""
    pipeline = load("pipeline")
    for logical_id in resources(pipeline, "AWS::CodeBuild::Project"):
        if logical_id == "ContractProject":
            continue
        kinds = {v["Type"] for v in _project_env(logical_id).values()}
        assert "SECRETS_MANAGER" not in kinds, logical_id
        assert "SERPAPI_API_KEY" not in _project_env(logical_id), logical_id
    grants = [w for w, s in policy_statements(pipeline) if _touches(s, "secretsmanager:")]
    assert grants == ["ContractRole/contract"], f"{grants} may read secrets"
    for spec_name in ("buildspec.yml", "buildspecs/smoke.yml"):
        assert "secrets-manager" not in _spec(spec_name).get("env", {}), spec_name
        text = (REPO / spec_name).read_text()
        assert not re.search(r"echo .*(SERPAPI_API_KEY|API_KEY)", text), "secrets are never printed"


def test_smoke_project_gets_the_api_and_may_read_only_its_key() -> None:
    env = _project_env("SmokeProject")
    assert all(v["Type"] == "PLAINTEXT" for v in env.values())
    assert _action_env("SmokeProject") == {"ENV", "API_URL", "API_KEY_ID"}
    keys = []
    for action in _actions():
        if action["Configuration"].get("ProjectName") != {"Ref": "SmokeProject"}:
            continue
        template, imported = action["Configuration"]["EnvironmentVariables"]["Fn::Sub"]
        variables = {v["name"]: v for v in json.loads(template)}
        assert all(v["type"] == "PLAINTEXT" for v in variables.values())
        env_name = variables["ENV"]["value"]
        assert variables["API_URL"]["value"] == "${ApiUrl}"
        assert imported["ApiUrl"] == {"Fn::ImportValue": {"Fn::Sub": f"${{ProjectName}}-{env_name}-ApiUrl"}}
        assert imported["ApiKeyId"] == {
            "Fn::ImportValue": {"Fn::Sub": f"${{ProjectName}}-{env_name}-ApiKeyId"}
        }
        keys.append(imported["ApiKeyId"])
    commands = _commands(_spec("buildspecs/smoke.yml"))
    assert any("get-api-key" in c and "API_KEY_ID" in c and c.startswith("export API_KEY=") for c in commands)
    statements = [s for w, s in policy_statements(load("pipeline")) if w.startswith("SmokeRole")]
    (gateway,) = [s for s in statements if _touches(s, "apigateway:")]
    assert gateway["Action"] == "apigateway:GET"
    readable = [r["Fn::Sub"] for r in unconditional(gateway["Resource"])]
    assert all(template.endswith("::/apikeys/${KeyId}") for template, _ in readable)
    assert [names["KeyId"] for _, names in readable] == keys, "exactly the keys of the environments it tests"


def test_build_project_builds_for_the_chosen_architecture() -> None:
    environment = _project("BuildProject")["Environment"]
    assert environment["PrivilegedMode"] is True
    assert environment["Type"] == {"Fn::If": ["IsArm", "ARM_CONTAINER", "LINUX_CONTAINER"]}
    assert environment["Image"] == {
        "Fn::If": [
            "IsArm",
            "aws/codebuild/amazonlinux-aarch64-standard:3.0",
            "aws/codebuild/amazonlinux-x86_64-standard:5.0",
        ]
    }
    arch = resources(load("pipeline"), "AWS::SSM::Parameter")["ArchParameter"]["Properties"]["Value"]
    assert arch == {"Fn::If": ["IsArm", "arm64", "amd64"]}
    assert _project("SmokeProject")["Environment"]["PrivilegedMode"] is False


def _touches(statement: dict[str, Any], prefix: str) -> bool:
    return any(a.startswith(prefix) for a in as_list(statement["Action"]))
