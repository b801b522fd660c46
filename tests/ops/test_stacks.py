"""Which parameters each stack gets, and the contract between the tooling and the templates."""

from __future__ import annotations

from pathlib import Path

import pytest
from ops.aws import Settings
from ops.stacks import (
    COMPUTED_PARAMETERS,
    ORDER,
    VARIABLES,
    declared_parameters,
    load_template,
    plan,
    revision,
)

from ops import OpsError
from tests.ops.conftest import FIXTURE_TEMPLATES, ROOT

REAL_TEMPLATES = ROOT / "cloudformation"

# The outputs the tooling reads, by stack.
OUTPUTS_USED = {
    "platform": {
        "ClusterName",
        "TargetGroupArn",
        "ServiceLogGroupName",
        "SerpApiSecretName",
        "RepositoryName",
    },
    "api": {"ApiUrl", "ApiKeyId", "AccessLogGroupName", "ApiId"},
    "monitoring": {"DashboardUrl"},
    "pipeline": {"PipelineName", "ArtifactBucketName"},
    "service": {"ServiceName"},
}


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("ENV", "PROJECT", "ARCH", "IMAGE_URI", "ALERT_EMAIL", "GITHUB_REPO", "GITHUB_BRANCH"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"OPS_{name}", raising=False)
    monkeypatch.setenv("ENV", "staging")
    return Settings.from_env()


def _write(tmp_path: Path, key: str, text: str) -> Path:
    path = tmp_path / f"{key}.yaml"
    path.write_text(text)
    return tmp_path


TEMPLATE = """
Parameters:
  ProjectName: {Type: String, Default: sports-api}
  Environment: {Type: String, Default: dev}
  ImageUri: {Type: String}
  Architecture: {Type: String, Default: X86_64}
  AlarmEmail: {Type: String, Default: ""}
  DeploymentRevision: {Type: String}
  Unrelated: {Type: Number, Default: 3}
Resources:
  Group: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: !Sub "/${ProjectName}"}}
Conditions:
  HasEmail: !Not [!Equals [!Ref AlarmEmail, ""]]
"""


def test_new_stack_gets_declared_parameters_only(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMAGE_URI", "repo:tag")
    monkeypatch.setenv("GITHUB_REPO", "acme/x")  # not declared: not passed
    p = plan("service", settings, None, _write(tmp_path, "service", TEMPLATE))
    values = {x["ParameterKey"]: x.get("ParameterValue") for x in p.parameters}
    assert values == {
        "ProjectName": "sports-api",
        "Environment": "staging",
        "ImageUri": "repo:tag",
        "Architecture": {"amd64": "X86_64", "arm64": "ARM64"}[settings.arch],
        "DeploymentRevision": revision(tmp_path / "service.yaml"),
    }
    assert p.missing == []


def test_arch_maps_to_the_cpu_architecture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    monkeypatch.setenv("ARCH", "arm64")
    monkeypatch.setenv("IMAGE_URI", "repo:tag")
    p = plan("service", Settings.from_env(), None, _write(tmp_path, "service", TEMPLATE))
    assert p.values["Architecture"] == "ARM64"
    monkeypatch.setenv("ARCH", "sparc")
    with pytest.raises(OpsError, match="amd64 or arm64"):
        Settings.from_env()


def test_existing_stack_keeps_values_that_are_not_given(tmp_path: Path, settings: Settings) -> None:
    existing = {"ProjectName": "sports-api", "Environment": "staging", "ImageUri": "old", "AlarmEmail": "a@b"}
    p = plan("service", settings, existing, _write(tmp_path, "service", TEMPLATE))
    by_key = {x["ParameterKey"]: x for x in p.parameters}
    assert by_key["ImageUri"] == {"ParameterKey": "ImageUri", "UsePreviousValue": True}
    assert by_key["AlarmEmail"] == {"ParameterKey": "AlarmEmail", "UsePreviousValue": True}
    assert by_key["Environment"]["ParameterValue"] == "staging"  # identity: always given
    assert by_key["Architecture"]["ParameterValue"] == "X86_64"  # unset, not on the stack: the default
    assert by_key["Unrelated"] == {"ParameterKey": "Unrelated", "ParameterValue": "3"}
    same = plan("network", settings, {**existing, "Unrelated": "3"}, _write(tmp_path, "network", TEMPLATE))
    assert {"ParameterKey": "Unrelated", "UsePreviousValue": True} in same.parameters


def test_defaults_are_passed_as_written(tmp_path: Path, settings: Settings) -> None:
    text = TEMPLATE.replace("Default: 3}", "Default: true}")
    p = plan("network", settings, {"Unrelated": "false"}, _write(tmp_path, "network", text))
    assert {"ParameterKey": "Unrelated", "ParameterValue": "true"} in p.parameters


def test_pipeline_owned_stack_keeps_the_pipelines_values(tmp_path: Path, settings: Settings) -> None:
    existing = {"ProjectName": "sports-api", "Environment": "staging", "ImageUri": "old", "Unrelated": "9"}
    service = plan("service", settings, existing, _write(tmp_path, "service", TEMPLATE))
    assert {"ParameterKey": "Unrelated", "UsePreviousValue": True} in service.parameters
    other = plan("platform", settings, existing, _write(tmp_path, "platform", TEMPLATE))
    assert {"ParameterKey": "Unrelated", "ParameterValue": "3"} in other.parameters  # the template's default
    assert {"ParameterKey": "Architecture", "ParameterValue": "X86_64"} in other.parameters


def test_missing_required_parameters_are_named(tmp_path: Path, settings: Settings) -> None:
    text = TEMPLATE.replace("Unrelated: {Type: Number, Default: 3}", "Mystery: {Type: String}")
    p = plan("service", settings, None, _write(tmp_path, "service", text))
    assert "service.yaml needs ImageUri: set IMAGE_URI= (the image the service runs)" in p.missing
    assert any("Mystery without a default" in m for m in p.missing)


def test_revision_changes_with_the_template(tmp_path: Path) -> None:
    path = _write(tmp_path, "api", TEMPLATE) / "api.yaml"
    before = revision(path)
    path.write_text(TEMPLATE + "\n# changed\n")
    assert revision(path) != before and len(before) == 12


def test_template_too_large_for_an_inline_body(tmp_path: Path, settings: Settings) -> None:
    directory = _write(tmp_path, "network", TEMPLATE + "#" * 52_000)
    with pytest.raises(OpsError, match="over CloudFormation's 51200"):
        plan("network", settings, None, directory)


# -- the contract, checked on the fixtures always and on the real templates once they exist ------------


def _template_dirs() -> list[Path]:
    return [FIXTURE_TEMPLATES, REAL_TEMPLATES]


def _templates(directory: Path) -> dict[str, dict]:
    if not all((directory / f"{key}.yaml").exists() for key in ORDER):
        present = sorted(p.name for p in directory.glob("*.yaml")) if directory.exists() else []
        pytest.skip(f"{directory} does not hold all six templates yet (has {present})")
    return {key: load_template(directory / f"{key}.yaml") for key in ORDER}


@pytest.mark.parametrize("directory", _template_dirs(), ids=["fixtures", "cloudformation"])
def test_every_required_parameter_is_supplied(directory: Path) -> None:
    supplied = {v.parameter for v in VARIABLES} | set(COMPUTED_PARAMETERS)
    unfed = {
        f"{key}.yaml: {name}"
        for key, template in _templates(directory).items()
        for name, spec in declared_parameters(template).items()
        if "Default" not in (spec or {}) and name not in supplied
    }
    assert not unfed, f"parameters without a default that no Make variable feeds: {sorted(unfed)}"


@pytest.mark.parametrize("directory", _template_dirs(), ids=["fixtures", "cloudformation"])
def test_every_variable_targets_a_declared_parameter(directory: Path) -> None:
    declared = {name for t in _templates(directory).values() for name in declared_parameters(t)}
    stray = {f"{v.name} -> {v.parameter}" for v in VARIABLES if v.parameter not in declared}
    assert not stray, f"variables whose parameter no template declares: {sorted(stray)}"


@pytest.mark.parametrize("directory", _template_dirs(), ids=["fixtures", "cloudformation"])
def test_every_template_takes_project_and_environment(directory: Path) -> None:
    for key, template in _templates(directory).items():
        params = declared_parameters(template)
        assert params["ProjectName"].get("Default") == "sports-api", key
        assert params["Environment"].get("Default") == "dev", key


@pytest.mark.parametrize("directory", _template_dirs(), ids=["fixtures", "cloudformation"])
def test_the_outputs_the_tooling_reads_exist(directory: Path) -> None:
    templates = _templates(directory)
    absent = {
        f"{key}: {name}"
        for key, names in OUTPUTS_USED.items()
        for name in names
        if name not in (templates[key].get("Outputs") or {})
    }
    if directory == FIXTURE_TEMPLATES:
        absent -= {"api: ApiKeyId"}  # moto's CloudFormation has no AWS::ApiGateway::ApiKey
    assert not absent, f"outputs the tooling reads but the templates lack: {sorted(absent)}"
