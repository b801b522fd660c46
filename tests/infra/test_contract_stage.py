"""The contract stage of the pipeline stack: where it runs, what it reads, and who may read the key.

One CodeBuild project makes one real SerpAPI search per release (between the
first environment's smoke test and the approval) and daily from a schedule,
with an alarm when it fails. It alone reads the SerpAPI key, a project variable
of type SECRETS_MANAGER; the build and smoke projects never do.
Everything here reads the real templates and buildspecs; nothing talks to AWS.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from sports_api.sports.catalogue import LEAGUES

from .cfn import REPO, as_list, load, policy_statements, resources, sub_text, substitute
from .test_buildspecs import CODEBUILD_BUILTINS, _make_targets, _variables_read, _variables_set

CONTRACT = REPO / "buildspecs" / "contract.yml"
SECRET_NAME = {"Fn::ImportValue": {"Fn::Sub": "${ProjectName}-${Environment}-SerpApiSecretName"}}
ALARM_TOPIC = {"Fn::ImportValue": {"Fn::Sub": "${ProjectName}-${Environment}-AlarmTopicArn"}}


def _pipeline() -> dict[str, Any]:
    return load("pipeline")


def _project(logical_id: str) -> dict[str, Any]:
    return resources(_pipeline(), "AWS::CodeBuild::Project")[logical_id]["Properties"]


def _stages() -> list[tuple[str, str | None, dict[str, Any]]]:
    """(name for Environment=staging PromoteTo=prod, condition, stage), in order."""
    found = []
    for stage in resources(_pipeline(), "AWS::CodePipeline::Pipeline")["Pipeline"]["Properties"]["Stages"]:
        condition = None
        if "Fn::If" in stage:
            condition, stage, _ = stage["Fn::If"]
        name = substitute(sub_text(stage["Name"]), {"Environment": "staging", "PromoteTo": "prod"})
        found.append((name, condition, stage))
    return found


def test_the_contract_runs_after_the_first_smoke_test_and_before_the_approval() -> None:
    names = [name for name, _, _ in _stages()]
    contract = names.index("Contract-staging")
    assert names[contract - 1] == "Smoke-staging" and names[contract + 1] == "Approve-prod"
    _, condition, stage = _stages()[contract]
    assert condition is None, "every pipeline checks the contract, promoting or not"
    (action,) = stage["Actions"]
    assert action["ActionTypeId"] == {
        "Category": "Test",
        "Owner": "AWS",
        "Provider": "CodeBuild",
        "Version": "1",
    }
    assert action["Configuration"] == {"ProjectName": {"Ref": "ContractProject"}}
    assert action["InputArtifacts"] == [{"Name": "Source"}]
    assert action["OutputArtifacts"] == [{"Name": "ContractAnswer"}], "the raw answer is kept"
    pipeline_role = {s["Sid"]: s for w, s in policy_statements(_pipeline()) if w.startswith("PipelineRole")}
    assert {"Fn::GetAtt": ["ContractProject", "Arn"]} in pipeline_role["RunBuilds"]["Resource"]


def test_the_contract_project_reads_the_key_from_secrets_manager_and_only_that_secret() -> None:
    project = _project("ContractProject")
    assert project["Source"]["BuildSpec"] == "buildspecs/contract.yml"  # the committed file, as it is
    # The key is the one project variable of type SECRETS_MANAGER: the environment's secret,
    # which CodeBuild resolves at the build's start; every other variable is plain.
    variables = project["Environment"]["EnvironmentVariables"]
    (secret,) = [v for v in variables if v["Type"] != "PLAINTEXT"]
    assert secret == {"Name": "SERPAPI_API_KEY", "Type": "SECRETS_MANAGER", "Value": SECRET_NAME}
    assert not [v for v in variables if v is not secret and ("SERPAPI" in v["Name"] or "SECRET" in v["Name"])]
    spec = yaml.safe_load(CONTRACT.read_text())
    assert "SERPAPI_API_KEY" not in spec.get("env", {}).get("variables", {}), "the buildspec may not shadow"
    # The role reads exactly that secret: its name and Secrets Manager's 6-character suffix.
    statements = [s for w, s in policy_statements(_pipeline()) if w.startswith("ContractRole/")]
    secret = [s for s in statements if any(a.startswith("secretsmanager:") for a in as_list(s["Action"]))]
    (grant,) = secret
    assert grant["Action"] == "secretsmanager:GetSecretValue"
    pattern, values = grant["Resource"]["Fn::Sub"]
    assert pattern.endswith(":secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${Name}-??????")
    assert values == {"Name": SECRET_NAME}
    trust = resources(_pipeline(), "AWS::IAM::Role")["ContractRole"]["Properties"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    source = statement["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    assert source.endswith(":project/${ProjectName}-${Environment}-contract")
    assert sub_text(project["Name"]) == "${ProjectName}-${Environment}-contract"


def test_the_build_and_smoke_projects_never_get_the_key() -> None:
    for logical_id in ("BuildProject", "SmokeProject"):
        project = _project(logical_id)
        variables = project["Environment"].get("EnvironmentVariables", [])
        assert "SECRETS_MANAGER" not in {v["Type"] for v in variables}, logical_id
        assert not [v for v in variables if "SERPAPI" in v["Name"]], logical_id
        spec = yaml.safe_load((REPO / project["Source"]["BuildSpec"]).read_text())
        assert "secrets-manager" not in spec.get("env", {}), logical_id
    readers = {
        w.split("/")[0]
        for w, s in policy_statements(_pipeline())
        if any(a.lower().startswith("secretsmanager:") for a in as_list(s["Action"]))
    }
    assert readers == {"ContractRole"}


def test_the_contract_buildspec_runs_make_contract_and_keeps_its_answer() -> None:
    spec = yaml.safe_load(CONTRACT.read_text())
    assert spec["version"] == 0.2 and spec["env"]["shell"] == "bash"
    commands = [c for phase in spec["phases"].values() for c in phase.get("commands", [])]
    (check,) = [c for c in commands if c.startswith("make ")]
    assert re.fullmatch(r'make contract LEAGUE="\$LEAGUE" CAPTURE=(\S+)', check)
    assert "contract" in _make_targets() and "captures" in _make_targets()
    capture = check.rsplit("CAPTURE=", 1)[1]
    assert spec["artifacts"]["base-directory"] == capture
    assert spec["artifacts"]["files"] == ["**/*"]
    # Every variable it reads is the project's, CodeBuild's, or its own.
    project = _project("ContractProject")
    provided = {v["Name"] for v in project["Environment"]["EnvironmentVariables"]}
    missing = _variables_read(spec) - provided - _variables_set(spec) - CODEBUILD_BUILTINS
    assert not missing, missing
    # The key is never printed, and never part of a command line.
    assert not [c for c in commands if "SERPAPI_API_KEY" in c or re.search(r"\becho\b|\bset -x\b|\benv\b", c)]


def test_the_league_is_a_catalogue_league() -> None:
    parameter = _pipeline()["Parameters"]["ContractLeague"]
    assert parameter["AllowedValues"] == [league.slug for league in LEAGUES]
    assert parameter["Default"] in parameter["AllowedValues"]
    variables = {v["Name"]: v for v in _project("ContractProject")["Environment"]["EnvironmentVariables"]}
    assert variables["LEAGUE"]["Value"] == {"Ref": "ContractLeague"}


def test_the_daily_run_starts_the_contract_project_from_its_last_source() -> None:
    project = _project("ContractProject")
    # The schedule's builds have no pipeline to hand them a source: the last run's zip.
    assert project["Source"]["Type"] == "S3"
    assert sub_text(project["Source"]["Location"]) == "${ArtifactBucket}/contract/source.zip"
    spec = yaml.safe_load(CONTRACT.read_text())
    uploads = [c for c in spec["phases"]["pre_build"]["commands"] if c.startswith("aws s3 cp")]
    assert uploads == [
        'aws s3 cp --only-show-errors /tmp/source.zip "s3://$ARTIFACT_BUCKET/contract/source.zip"'
    ]
    assert project["Artifacts"]["Type"] == "S3" and project["Artifacts"]["Location"] == {
        "Ref": "ArtifactBucket"
    }
    (schedule,) = resources(_pipeline(), "AWS::Scheduler::Schedule").values()
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "rate(1 day)" and props["State"] == "ENABLED"
    assert props["Target"]["Arn"] == {"Fn::GetAtt": ["ContractProject", "Arn"]}
    assert props["Target"]["RoleArn"] == {"Fn::GetAtt": ["ContractScheduleRole", "Arn"]}
    role = resources(_pipeline(), "AWS::IAM::Role")["ContractScheduleRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    statements = [s for w, s in policy_statements(_pipeline()) if w.startswith("ContractScheduleRole/")]
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        ("codebuild:StartBuild", {"Fn::GetAtt": ["ContractProject", "Arn"]})
    ]


def test_a_failed_contract_check_raises_an_alarm_on_the_alarm_topic() -> None:
    alarms = resources(_pipeline(), "AWS::CloudWatch::Alarm")
    (alarm,) = [a["Properties"] for a in alarms.values() if a["Properties"]["MetricName"] == "FailedBuilds"]
    assert alarm["Namespace"] == "AWS/CodeBuild"
    assert alarm["Dimensions"] == [{"Name": "ProjectName", "Value": {"Ref": "ContractProject"}}]
    assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching", "a day without a run is no failure"
    assert alarm["AlarmActions"] == [ALARM_TOPIC]
    assert "make captures" in alarm["AlarmDescription"]
    # The alarm topic admits this account's alarms.
    policy = resources(load("monitoring"), "AWS::SNS::TopicPolicy")["AlarmTopicPolicy"]["Properties"]
    principals = [s["Principal"] for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert {"Service": "cloudwatch.amazonaws.com"} in principals
    assert json.dumps(alarm["AlarmName"]).count("${ProjectName}-${Environment}-") == 1
