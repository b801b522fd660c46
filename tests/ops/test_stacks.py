"""Which parameters each stack gets, and the contract between the tooling and the templates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ops.settings import Settings, machine_arch
from ops.stacks import ORDER, TEMPLATES, VARIABLES, declared_parameters, load_template, plan

from ops import OpsError

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
def settings() -> Settings:
    return Settings(env="staging")


def _write(tmp_path: Path, key: str, text: str) -> Path:
    path = tmp_path / f"{key}.yaml"
    path.write_text(text)
    return path


TEMPLATE = """
Parameters:
  ProjectName: {Type: String, Default: sports-api}
  Environment: {Type: String, Default: dev}
  ImageUri: {Type: String}
  Architecture: {Type: String, Default: X86_64}
  AlarmEmail: {Type: String, Default: ""}
  Unrelated: {Type: Number, Default: 3}
Resources:
  Group: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: !Sub "/${ProjectName}"}}
Conditions:
  HasEmail: !Not [!Equals [!Ref AlarmEmail, ""]]
"""


def test_new_stack_gets_declared_parameters_only(tmp_path: Path) -> None:
    # GITHUB_REPO is not declared by this template: not passed
    settings = Settings(env="staging", image_uri="repo:tag", github_repo="acme/x")
    p = plan("service", settings, None, _write(tmp_path, "service", TEMPLATE))
    values = {x["ParameterKey"]: x.get("ParameterValue") for x in p.parameters}
    assert values == {
        "ProjectName": "sports-api",
        "Environment": "staging",
        "ImageUri": "repo:tag",
        "Architecture": {"amd64": "X86_64", "arm64": "ARM64"}[machine_arch()],
    }
    assert p.missing == []
    assert p.body == (tmp_path / "service.yaml").read_text()  # as written: no emulator rewrite on AWS


def test_arch_maps_to_the_cpu_architecture(tmp_path: Path) -> None:
    p = plan("service", Settings(arch="arm64", image_uri="r:t"), None, _write(tmp_path, "service", TEMPLATE))
    assert p.values["Architecture"] == "ARM64"


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
    assert "service.yaml needs ImageUri: set IMAGE_URI=" in p.missing
    assert "service.yaml needs Mystery: no variable feeds it (see VARIABLES in ops/stacks.py)" in p.missing


def test_template_too_large_for_an_inline_body(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "network", TEMPLATE + "#" * 52_000)
    with pytest.raises(OpsError, match="over CloudFormation's 51200"):
        plan("network", settings, None, path)


# -- the contract between the tooling and cloudformation/ ---------------------------------------------


def _templates() -> dict[str, dict]:
    return {key: load_template(TEMPLATES / f"{key}.yaml") for key in ORDER}


def test_every_required_parameter_is_supplied() -> None:
    supplied = set(VARIABLES)
    unfed = {
        f"{key}.yaml: {name}"
        for key, template in _templates().items()
        for name, spec in declared_parameters(template).items()
        if "Default" not in (spec or {}) and name not in supplied
    }
    assert not unfed, f"parameters without a default that no Make variable feeds: {sorted(unfed)}"


def test_every_variable_targets_a_declared_parameter() -> None:
    declared = {name for t in _templates().values() for name in declared_parameters(t)}
    stray = {f"{v} -> {p}" for p, v in VARIABLES.items() if p not in declared}
    assert not stray, f"variables whose parameter no template declares: {sorted(stray)}"


def test_the_outputs_the_tooling_reads_exist() -> None:
    templates = _templates()
    absent = {
        f"{key}: {name}"
        for key, names in OUTPUTS_USED.items()
        for name in names
        if name not in (templates[key].get("Outputs") or {})
    }
    assert not absent, f"outputs the tooling reads but the templates lack: {sorted(absent)}"


def test_on_an_emulator_the_templates_are_adapted_and_only_there() -> None:
    emulator = Settings(endpoint="http://127.0.0.1:5000")
    api = plan("api", emulator, None)
    assert api.parameters == plan("api", Settings(), None).parameters
    outputs = json.loads(api.body)["Outputs"]
    assert outputs["StageName"]["Value"] == {"Fn::Sub": "${StageName}"}  # moto skips the stage
    network = json.loads(plan("network", emulator, None).body)["Resources"]
    assert "Tags" not in network["EncryptionKey"]["Properties"]  # moto misreads a KMS key's tags
    assert "Tags" in load_template(TEMPLATES / "network.yaml")["Resources"]["EncryptionKey"]["Properties"]


def test_every_variable_is_a_setting_and_an_option_of_deploy() -> None:
    from ops.__main__ import COMMANDS, COMMON

    options = {name for name, *_ in COMMANDS["deploy"][3] + COMMON}
    assert set(VARIABLES.values()) <= options
    assert all(hasattr(Settings(), name.lower()) for name in VARIABLES.values())
