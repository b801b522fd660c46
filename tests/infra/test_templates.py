"""Static checks of the CloudFormation templates: linters, naming, the cross-stack
contract, least privilege, and agreement with the app and the Dockerfile.

Nothing here talks to AWS. cfn-lint runs in-process; checkov and taskcat run
from their own virtualenvs under .tools/ (`make tools` installs them).
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import typing
from collections.abc import Iterable, Iterator
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from .cfn import (
    API_SHAPING_TYPES,
    CFN_DIR,
    REPO,
    STACKS,
    TASKCAT_TEMPLATE,
    api_revision,
    as_list,
    exports,
    gateway_method,
    imports,
    load,
    load_path,
    policy_statements,
    resources,
    sub_text,
    substitute,
    template_path,
    unconditional,
)

CHECKOV = REPO / ".tools" / "checkov" / "bin" / "checkov"
TASKCAT = REPO / ".tools" / "taskcat" / "bin" / "taskcat"
LINT_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]

CONTAINER_NAME = "api"
CONTAINER_PORT = 8080
CONTAINER_UID = "10001"
HEALTH_PATH = "/health"


def test_the_six_templates_and_nothing_else() -> None:
    assert sorted(p.stem for p in CFN_DIR.glob("*.yaml")) == sorted(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_template_fits_the_way_the_tooling_sends_it(stack: str) -> None:
    """Inline (TemplateBody) at most 51,200 bytes, by URL 1 MB: tests/infra/test_template_sending.py."""
    from ops.stacks import INLINE, MAX_TEMPLATE_BODY
    from ops.upload import MAX_TEMPLATE_URL

    limit = MAX_TEMPLATE_BODY if stack in INLINE else MAX_TEMPLATE_URL
    assert len(template_path(stack).read_bytes()) <= limit


# ---- Linters -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [template_path(s) for s in STACKS] + [TASKCAT_TEMPLATE],
    ids=[*STACKS, "taskcat-stacks"],
)
def test_cfn_lint_is_clean(path: Path) -> None:
    """Errors, warnings and informational findings alike, with no rule ignored."""
    matches = lint_file(path, config=ManualArgs(include_checks=["I"], regions=LINT_REGIONS))
    assert not matches, "\n".join(str(m) for m in matches)


@pytest.fixture(scope="module")
def checkov_report() -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV.relative_to(REPO)} is missing: `make tools` installs checkov")
    run = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(CFN_DIR),
            "--framework",
            "cloudformation",
            "--compact",
            "--skip-download",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
        check=False,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov gave no JSON (exit {run.returncode}): {run.stderr[-2000:]}")
    return report


def test_checkov_finds_nothing(checkov_report: dict[str, Any]) -> None:
    summary = checkov_report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in checkov_report["results"]["failed_checks"]
    ]
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 100, "checkov checked suspiciously little"
    assert not failed, "\n".join(failed)


def _declared_skips() -> dict[tuple[str, str], str]:
    """(check id, 'Type.LogicalId') -> comment, from each resource's Metadata."""
    skips = {}
    for stack in STACKS:
        for logical_id, resource in resources(load(stack)).items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                skips[(skip["id"], f"{resource['Type']}.{logical_id}")] = skip.get("comment", "")
    return skips


def test_checkov_skips_are_per_resource_reasoned_and_used(checkov_report: dict[str, Any]) -> None:
    declared = _declared_skips()
    for key, comment in declared.items():
        assert len(comment.split()) >= 12, f"skip {key} needs a reason a reviewer can judge"
    used = {(c["check_id"], c["resource"]) for c in checkov_report["results"]["skipped_checks"]}
    assert used == set(declared), "checkov must apply exactly the skips declared inline"
    for path in CFN_DIR.glob("*.yaml"):
        assert "checkov:skip" not in path.read_text(), "skips belong in resource Metadata"


def test_taskcat_lint_passes() -> None:
    if not TASKCAT.exists():
        pytest.fail(f"{TASKCAT.relative_to(REPO)} is missing: `make tools` installs taskcat")
    run = subprocess.run(
        [str(TASKCAT), "lint"], capture_output=True, text=True, cwd=REPO, timeout=300, check=False
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Linting passed for file" in output, output
    assert "Linting detected issues" not in output, output


def test_taskcat_runs_every_stack_in_deploy_order() -> None:
    import yaml

    config = yaml.safe_load((REPO / ".taskcat.yml").read_text())
    assert len(config["project"]["regions"]) == 1, "IAM names are global: one region per run"
    (test,) = config["tests"].values()
    assert (REPO / test["template"]).resolve() == TASKCAT_TEMPLATE
    wrapper = load_path(TASKCAT_TEMPLATE)
    stacks = resources(wrapper, "AWS::CloudFormation::Stack")
    order = []
    for logical_id, stack in stacks.items():
        url = sub_text(stack["Properties"]["TemplateURL"])
        order.append((logical_id, re.search(r"cloudformation/(\w+)\.yaml$", url).group(1)))
    assert [name for _, name in order] == list(STACKS)
    for (previous, _), (logical_id, _) in itertools.pairwise(order):
        assert stacks[logical_id]["DependsOn"] == previous
    for logical_id, stack in stacks.items():
        params = stack["Properties"]["Parameters"]
        template = load(dict(order)[logical_id])
        required = {n for n, p in template["Parameters"].items() if "Default" not in p}
        assert required <= set(params), f"{logical_id} lacks {required - set(params)}"
        assert set(params) <= set(template["Parameters"]), f"{logical_id} passes unknown parameters"


# ---- Parameters, naming, tags ------------------------------------------------

# Parameters that cannot have a sane default.
NO_DEFAULT = {("service", "ImageUri"), ("pipeline", "RepositoryId")}


ENVIRONMENT_NAMES_ACCEPTED = ["dev", "staging", "prod", "pr-42", "alice", "a", "integration"]
ENVIRONMENT_NAMES_REFUSED = ["", "Prod", "pr_42", "-dev", "dev-", "42", "twelve-chars", "pr.42"]


@pytest.mark.parametrize("stack", STACKS)
def test_naming_parameters(stack: str) -> None:
    params = load(stack)["Parameters"]
    project, environment = params["ProjectName"], params["Environment"]
    assert project["Default"] == "sports-api"
    assert re.fullmatch(project["AllowedPattern"], "sports-api")
    assert not re.fullmatch(project["AllowedPattern"], "Sports_API")
    assert environment["Default"] == "dev"
    assert "AllowedValues" not in environment, "any DNS-safe label, not a fixed list"
    assert environment == load("network")["Parameters"]["Environment"], "one definition in every stack"
    for name in ENVIRONMENT_NAMES_ACCEPTED:
        assert re.fullmatch(environment["AllowedPattern"], name), name
    for name in ENVIRONMENT_NAMES_REFUSED:
        assert not re.fullmatch(environment["AllowedPattern"], name), name


def test_longest_names_fit_aws_limits() -> None:
    """<ProjectName>-<Environment> at their longest still fit the shortest name limits it is used in."""
    project = load("network")["Parameters"]["ProjectName"]["AllowedPattern"]
    environment = load("network")["Parameters"]["Environment"]["AllowedPattern"]
    longest_project = next(n for n in range(64, 0, -1) if re.fullmatch(project, "a" * n))
    longest_env = next(n for n in range(64, 0, -1) if re.fullmatch(environment, "a" * n))
    prefix = longest_project + 1 + longest_env
    connection = resources(load("pipeline"), "AWS::CodeConnections::Connection")["Connection"]
    assert sub_text(connection["Properties"]["ConnectionName"]) == "${ProjectName}-${Environment}"
    assert prefix <= 32, "CodeConnections names are at most 32 characters"
    cache = resources(load("service"), "AWS::ElastiCache::ServerlessCache")["Cache"]
    assert sub_text(cache["Properties"]["ServerlessCacheName"]) == "${ProjectName}-${Environment}"
    for stack in STACKS:
        for logical_id, role in resources(load(stack), "AWS::IAM::Role").items():
            name = sub_text(role["Properties"].get("RoleName"))
            if name:
                length = len(name.replace("${ProjectName}-${Environment}", "x" * prefix))
                assert length <= 64, f"{logical_id}: role names are at most 64 characters"


@pytest.mark.parametrize("stack", STACKS)
def test_every_parameter_is_described_constrained_and_grouped(stack: str) -> None:
    template = load(stack)
    params = template["Parameters"]
    for name, param in params.items():
        assert param.get("Description", "").strip(), f"{name} has no Description"
        if (stack, name) not in NO_DEFAULT:
            assert "Default" in param, f"{name} has no Default"
        constrained = {"AllowedValues", "AllowedPattern", "MinValue", "MaxValue"} & set(param)
        assert constrained, f"{name} accepts anything"
        if "AllowedPattern" in param and "Default" in param:
            assert re.fullmatch(param["AllowedPattern"], str(param["Default"])), name
        if "AllowedValues" in param and "Default" in param:
            assert param["Default"] in param["AllowedValues"], name
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    grouped = [p for group in groups for p in group["Parameters"]]
    assert sorted(grouped) == sorted(params), "every parameter in exactly one console group"


@pytest.mark.parametrize("stack", STACKS)
def test_template_has_description_and_no_secret_parameters(stack: str) -> None:
    template = load(stack)
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert len(template["Description"]) > 80
    assert not resources(template, "AWS::SecretsManager::Secret"), "make put-secret creates the secret"
    for name, param in template["Parameters"].items():
        assert not re.search(r"(?i)(password|token|apikey$|api_key|secretvalue)", name), name
        assert param.get("NoEcho") is not True, f"{name}: secrets never travel as parameters"


@cache
def _taggable(resource_type: str) -> bool:
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    return "Tags" in schema.get("properties", {})


def _tag_map(tags: Any) -> dict[str, Any]:
    if isinstance(tags, dict):
        return dict(tags)
    found = {}
    for tag in tags:
        if isinstance(tag, dict) and "Key" in tag:
            found[tag["Key"]] = tag["Value"]
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_taggable_resources_carry_project_and_environment(stack: str) -> None:
    untagged = []
    for logical_id, resource in resources(load(stack)).items():
        if not _taggable(resource["Type"]):
            continue
        tags = _tag_map(resource.get("Properties", {}).get("Tags", []))
        if tags.get("Project") != {"Ref": "ProjectName"} or tags.get("Environment") != {"Ref": "Environment"}:
            untagged.append(logical_id)
    assert not untagged, f"without Project and Environment tags: {untagged}"


# ---- Exports and imports -----------------------------------------------------

REQUIRED_OUTPUTS = {
    "network": {
        "VpcId",
        "VpcCidr",
        "PublicSubnetIds",
        "PrivateSubnetIds",
        "TaskSubnetIds",
        "TaskAssignPublicIp",
    },
    "platform": {
        "RepositoryName",
        "RepositoryUri",
        "RepositoryArn",
        "ClusterName",
        "ClusterArn",
        "LoadBalancerArn",
        "LoadBalancerDnsName",
        "LoadBalancerFullName",
        "ListenerArn",
        "TargetGroupArn",
        "TargetGroupFullName",
        "TaskSecurityGroupId",
        "VpcLinkSecurityGroupId",
        "ServiceLogGroupName",
        "ServiceLogGroupArn",
        "SerpApiSecretName",
    },
    "api": {"ApiId", "ApiUrl", "ApiKeyId", "StageName", "AccessLogGroupName"},
    "service": {"ServiceName", "ServiceArn", "TaskDefinitionArn"},
    "monitoring": {"AlarmTopicArn", "DashboardName", "DashboardUrl", "DeploymentAlarmNames"},
    "pipeline": {"PipelineName", "ArtifactBucketName", "ConnectionArn"},
}


@pytest.mark.parametrize("stack", STACKS)
def test_exports_follow_the_naming_contract(stack: str) -> None:
    outputs = load(stack)["Outputs"]
    assert REQUIRED_OUTPUTS[stack] <= set(outputs)
    for logical_id in REQUIRED_OUTPUTS[stack]:
        assert "Export" in outputs[logical_id], f"{logical_id} is not exported"
    for name, logical_id in exports(load(stack)).items():
        assert name == f"${{ProjectName}}-${{Environment}}-{logical_id}"
    for logical_id, output in outputs.items():
        assert output.get("Description"), f"output {logical_id} has no Description"


def _exporter() -> dict[str, str]:
    found = {}
    for stack in STACKS:
        for name in exports(load(stack)):
            assert name not in found, f"{name} exported twice"
            found[name] = stack
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_import_matches_an_earlier_stacks_export(stack: str) -> None:
    exporter = _exporter()
    for path, name in imports(load(stack)):
        # The pipeline also reads the environment it promotes to: the same exports, its name.
        name = name.replace("${PromoteTo}", "${Environment}")
        assert name in exporter, (
            f"{stack} imports {name} (at {'/'.join(map(str, path))}), which nobody exports"
        )
        source = exporter[name]
        assert STACKS.index(source) < STACKS.index(stack), f"{stack} imports {name} from later stack {source}"


def test_monitoring_names_the_service_instead_of_importing_it() -> None:
    service_exports = set(exports(load("service")))
    assert not {n for _, n in imports(load("monitoring"))} & service_exports
    assert not {n for _, n in imports(load("pipeline"))} & service_exports
    service = resources(load("service"), "AWS::ECS::Service")["Service"]
    assert sub_text(service["Properties"]["ServiceName"]) == "${ProjectName}-${Environment}"
    names = [
        d["Value"]
        for alarm in resources(load("monitoring"), "AWS::CloudWatch::Alarm").values()
        for d in alarm["Properties"].get("Dimensions", [])
        if d["Name"] == "ServiceName"
    ]
    assert names and all(sub_text(n) == "${ProjectName}-${Environment}" for n in names)


def test_log_group_names() -> None:
    platform = resources(load("platform"), "AWS::Logs::LogGroup")["ServiceLogGroup"]["Properties"]
    assert sub_text(platform["LogGroupName"]) == "/${ProjectName}/${Environment}/service"
    api = resources(load("api"), "AWS::Logs::LogGroup")["AccessLogGroup"]["Properties"]
    assert sub_text(api["LogGroupName"]) == "/${ProjectName}/${Environment}/api-access"
    for stack in STACKS:
        for logical_id, group in resources(load(stack), "AWS::Logs::LogGroup").items():
            props = group["Properties"]
            assert "RetentionInDays" in props, logical_id
            assert "KmsKeyId" in props, logical_id


# ---- Least privilege ---------------------------------------------------------

# Actions that may have Resource "*", each because AWS offers nothing narrower.
WILDCARD_RESOURCE_ALLOWED = {
    "ecr:GetAuthorizationToken": "the registry login token is account-wide; no resource-level permissions",
    "ecs:DescribeTaskDefinition": "task definitions have no resource-level permissions for describe",
    "ecs:DeregisterTaskDefinition": "no resource-level permissions (revisions exist only once registered)",
    "application-autoscaling:DescribeScalableTargets": "describe calls have no resource-level permissions",
    "application-autoscaling:DescribeScalingPolicies": "describe calls have no resource-level permissions",
    "application-autoscaling:DescribeScalingActivities": "describe calls have no resource-level permissions",
    "ec2:DescribeSubnets": "EC2 describe calls have no resource-level permissions",
    "ec2:DescribeSecurityGroups": "EC2 describe calls have no resource-level permissions",
    "ec2:DescribeVpcs": "EC2 describe calls have no resource-level permissions",
    "ec2:DescribeVpcEndpoints": "EC2 describe calls have no resource-level permissions",
    "elasticloadbalancing:DescribeTargetGroups": "ELB describe calls have no resource-level permissions",
    "cloudformation:ValidateTemplate": "checks a template body, not a stack: no resource-level permissions",
    "elasticloadbalancing:DescribeTargetGroupAttributes": "ELB describe calls: no resource-level permissions",
    "elasticloadbalancing:DescribeRules": "ELB describe calls have no resource-level permissions",
    "elasticloadbalancing:DescribeListeners": "ELB describe calls have no resource-level permissions",
    "elasticloadbalancing:DescribeTags": "ELB describe calls have no resource-level permissions",
    "elasticloadbalancing:DescribeTargetHealth": "ELB describe calls have no resource-level permissions",
}


@cache
def _policy_actions() -> dict[str, dict[str, Any]]:
    import cfnlint.data.AdditionalSpecs as specs

    data = json.loads((Path(specs.__file__).parent / "Policies.json").read_text())
    return {
        f"{service}:{action}".lower(): info
        for service, spec in data.items()
        for action, info in spec["Actions"].items()
    }


@pytest.mark.parametrize("stack", STACKS)
def test_iam_statements_are_least_privilege(stack: str) -> None:
    known = _policy_actions()
    for where, statement in policy_statements(load(stack)):
        if statement["Effect"] != "Allow":
            continue
        actions = as_list(statement["Action"])
        for action in actions:
            assert isinstance(action, str) and "*" not in action, f"{where}: wildcard action {action}"
            assert action.lower() in known, f"{where}: unknown action {action}"
        if "*" in as_list(statement["Resource"]):
            assert as_list(statement["Resource"]) == ["*"], f"{where}: '*' mixed with ARNs"
            for action in actions:
                assert action in WILDCARD_RESOURCE_ALLOWED, f"{where}: {action} on Resource '*'"
        assert "NotAction" not in statement and "NotResource" not in statement, where


# AWS managed policies a role may attach, and why no inline policy does instead.
MANAGED_POLICIES_ALLOWED = {
    "AmazonAPIGatewayPushToCloudWatchLogs": (
        "API Gateway's account-wide logging role serves every API in the account and region, "
        "so it cannot be scoped to this project's log groups"
    ),
    "AmazonECSInfrastructureRolePolicyForLoadBalancers": (
        "the role ECS shifts release traffic with acts on target groups and rules ECS chooses "
        "at deploy time; AWS maintains the policy as ECS gains features, and it is also the "
        "role's permissions boundary"
    ),
}


@pytest.mark.parametrize("stack", STACKS)
def test_only_allow_listed_managed_policies(stack: str) -> None:
    for logical_id, role in resources(load(stack), "AWS::IAM::Role").items():
        for arn in role["Properties"].get("ManagedPolicyArns", []):
            name = sub_text(arn).rsplit("/", 1)[-1]
            assert name in MANAGED_POLICIES_ALLOWED, f"{logical_id} attaches {name}"


def test_wildcard_allow_list_is_true() -> None:
    """Every allow-listed action really lacks resource-level permissions."""
    known = _policy_actions()
    for action in WILDCARD_RESOURCE_ALLOWED:
        assert not known[action.lower()].get("Resources"), f"{action} supports resource ARNs: scope it"


@pytest.mark.parametrize("stack", STACKS)
def test_pass_role_is_conditioned_on_the_service(stack: str) -> None:
    for where, statement in policy_statements(load(stack)):
        if "iam:PassRole" in as_list(statement["Action"]):
            assert as_list(statement["Action"]) == ["iam:PassRole"], where
            assert "iam:PassedToService" in statement["Condition"]["StringEquals"], where
            assert "*" not in json.dumps(statement["Resource"]), where


@pytest.mark.parametrize("stack", STACKS)
def test_roles_trust_one_service_of_this_account(stack: str) -> None:
    for logical_id, role in resources(load(stack), "AWS::IAM::Role").items():
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            principal = statement["Principal"]
            assert set(principal) == {"Service"}, logical_id
            assert len(as_list(principal["Service"])) == 1, logical_id
            assert statement["Action"] == "sts:AssumeRole", logical_id
            condition = json.dumps(statement.get("Condition", {}))
            assert "aws:SourceAccount" in condition, f"{logical_id}: confused-deputy guard missing"


def test_resource_policies() -> None:
    """Key, topic and bucket policies: wildcards only where AWS's model needs them."""
    key = resources(load("network"), "AWS::KMS::Key")["EncryptionKey"]["Properties"]["KeyPolicy"]
    for statement in key["Statement"]:
        assert statement["Resource"] == "*"  # in a key policy, '*' means this key
        if statement["Action"] == "kms:*":
            # AWS's default key policy: delegates use of the key to IAM policies
            # in this account; without it the key can no longer be managed.
            assert statement["Principal"] == {
                "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
            }
        else:
            assert "*" not in json.dumps(statement["Action"])
            assert "Condition" in statement, statement["Sid"]
    for stack in STACKS:
        for type_ in ("AWS::SNS::TopicPolicy", "AWS::S3::BucketPolicy"):
            for logical_id, policy in resources(load(stack), type_).items():
                for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                    if statement["Principal"] == "*":
                        assert statement["Effect"] == "Deny", logical_id
                    else:
                        assert "Condition" in statement, logical_id


def test_service_roles_are_bounded_and_scoped() -> None:
    service = load("service")
    for logical_id in ("ExecutionRole", "TaskRole"):
        props = resources(service)[logical_id]["Properties"]
        assert props["PermissionsBoundary"] == {
            "Fn::ImportValue": {"Fn::Sub": "${ProjectName}-${Environment}-ServiceRoleBoundaryArn"}
        }
    task_policies = resources(service)["TaskRole"]["Properties"]["Policies"]
    assert [p["PolicyName"] for p in task_policies] == ["archive"], "the app calls DynamoDB, nothing else"
    statements = dict(
        (s["Sid"], s) for where, s in policy_statements(service) if where.startswith("ExecutionRole")
    )
    secret = statements["ReadSerpApiKey"]
    assert secret["Action"] == "secretsmanager:GetSecretValue"
    assert secret["Resource"]["Fn::Sub"][0] == "${SecretArn}-??????"
    boundary = resources(load("platform"), "AWS::IAM::ManagedPolicy")["ServiceRoleBoundary"]
    bounded = {a for s in boundary["Properties"]["PolicyDocument"]["Statement"] for a in as_list(s["Action"])}
    granted = {
        a
        for where, s in policy_statements(service)
        if where.startswith(("ExecutionRole", "TaskRole"))
        for a in as_list(s["Action"])
    }
    assert granted <= bounded, "the execution role must fit inside its boundary"


def _secret_arn_patterns() -> list[tuple[str, str]]:
    """(where, ARN pattern) of every policy resource that names a Secrets Manager secret."""
    found = []
    for stack in STACKS:
        for where, statement in policy_statements(load(stack)):
            if not any(a.startswith("secretsmanager:") for a in as_list(statement["Action"])):
                continue
            for resource in as_list(statement["Resource"]):
                text = sub_text(resource)
                assert text, f"{stack}/{where}: a secret grant must be a literal or !Sub ARN"
                found.append((f"{stack}/{where}", text))
    return found


def test_secret_grants_match_only_the_secrets_own_random_suffix() -> None:
    """Secrets Manager appends '-' and 6 characters: '-*' would match every secret sharing the prefix."""
    patterns = _secret_arn_patterns()
    assert {where for where, _ in patterns} == {
        "platform/ServiceRoleBoundary",
        "service/ExecutionRole/pull-log-secret",
        "pipeline/ContractRole/contract",
    }, "only the service's execution role (and its boundary) and the contract check may read the secret"
    for where, pattern in patterns:
        assert pattern.endswith("-??????"), f"{where}: {pattern}"
        assert pattern.count("*") == 0, f"{where}: {pattern}"


def test_no_role_may_change_a_trust_policy() -> None:
    """Nothing may rewrite who can assume a role: not iam:UpdateAssumeRolePolicy, not iam:*."""
    for stack in STACKS:
        for where, statement in policy_statements(load(stack)):
            if statement["Effect"] != "Allow":
                continue
            actions = [a.lower() for a in as_list(statement["Action"])]
            assert "iam:updateassumerolepolicy" not in actions, f"{stack}/{where}"
            assert not any(a.startswith("iam:") and "*" in a for a in actions), f"{stack}/{where}"


def test_roles_are_created_only_within_a_boundary() -> None:
    """Whoever may create a role must attach a fixed permissions boundary to it."""
    creators = 0
    for stack in STACKS:
        for where, statement in policy_statements(load(stack)):
            if "iam:CreateRole" in as_list(statement["Action"]):
                creators += 1
                assert "iam:PermissionsBoundary" in statement["Condition"]["StringEquals"], where
                assert "*" not in json.dumps(statement["Resource"]), where
            if {"iam:AttachRolePolicy", "iam:PutRolePolicy"} & set(as_list(statement["Action"])):
                assert "*" not in json.dumps(statement["Resource"]), where
            if "iam:AttachRolePolicy" in as_list(statement["Action"]):
                assert "iam:PolicyARN" in json.dumps(statement["Condition"]), where
    assert creators >= 2


def test_secret_name_default() -> None:
    platform = load("platform")
    assert platform["Parameters"]["SerpApiSecretName"]["Default"] == ""
    value = json.dumps(platform["Outputs"]["SerpApiSecretName"]["Value"])
    assert "${ProjectName}/${Environment}/serpapi-api-key" in value


# ---- The archive table (issue 16) ---------------------------------------------

ENCRYPTION_KEY = {"Fn::ImportValue": {"Fn::Sub": "${ProjectName}-${Environment}-EncryptionKeyArn"}}
ARCHIVE_ITEM_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
}
ARCHIVE_INDEXES = {"by-league", "by-team1", "by-team2"}
KMS_THROUGH_DYNAMODB = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"}
KMS_VIA_DYNAMODB = {"StringEquals": {"kms:ViaService": {"Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"}}}


def _archive_table() -> dict[str, Any]:
    (table,) = resources(load("service"), "AWS::DynamoDB::Table").values()
    return table


def test_archive_table_is_the_one_the_app_reads_and_writes() -> None:
    from sports_api.archive.dynamodb import table_definition

    table = _archive_table()
    props = table["Properties"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert props["DeletionProtectionEnabled"] is True
    assert sub_text(props["TableName"]) == "${ProjectName}-${Environment}-archive"
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert {a["AttributeType"] for a in props["AttributeDefinitions"]} == {"S"}
    indexes = {
        i["IndexName"]: ([(k["AttributeName"], k["KeyType"]) for k in i["KeySchema"]], i["Projection"])
        for i in props["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        f"by-{name}": ([(f"{name}_pk", "HASH"), ("start_key", "RANGE")], {"ProjectionType": "ALL"})
        for name in ("league", "team1", "team2")
    }
    # The app's own definition (its tests create this table on moto): the two cannot drift.
    app = table_definition(substitute(sub_text(props["TableName"])))
    assert app["TableName"] == "sports-api-dev-archive"
    for key in ("BillingMode", "KeySchema", "GlobalSecondaryIndexes"):
        assert props[key] == app[key], key
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(app["AttributeDefinitions"], key=str)


def test_archive_table_is_recoverable_encrypted_with_the_project_key_and_expires_items() -> None:
    props = _archive_table()["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": ENCRYPTION_KEY,
    }
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    retention = load("service")["Parameters"]["ArchiveRetentionDays"]
    assert (retention["Default"], retention["MinValue"]) == (0, 0)
    assert load("service")["Conditions"]["ArchiveRetention"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ArchiveRetentionDays"}, 0]}]
    }


def _dynamodb_statements(stack: str, where: str) -> list[dict[str, Any]]:
    return [
        s
        for w, s in policy_statements(load(stack))
        if w.startswith(where) and any(a.startswith(("dynamodb:", "kms:")) for a in as_list(s["Action"]))
    ]


def test_task_role_uses_the_archive_table_and_its_indexes_only() -> None:
    """Item actions on the table, Query on the three indexes; no Scan, no DeleteItem, no wildcard."""
    statements = _dynamodb_statements("service", "TaskRole/")
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert not {a for a in actions if "*" in a or a in ("dynamodb:Scan", "dynamodb:DeleteItem")}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert "*" not in as_list(statement["Resource"])
    items, queries, key = statements
    assert set(as_list(items["Action"])) == ARCHIVE_ITEM_ACTIONS
    assert items["Resource"] == {"Fn::GetAtt": ["ArchiveTable", "Arn"]}
    assert as_list(queries["Action"]) == ["dynamodb:Query"]
    assert {sub_text(r) for r in queries["Resource"]} == {
        f"${{ArchiveTable.Arn}}/index/{index}" for index in ARCHIVE_INDEXES
    }
    assert set(as_list(key["Action"])) == KMS_THROUGH_DYNAMODB
    assert key["Resource"] == ENCRYPTION_KEY
    assert key["Condition"] == KMS_VIA_DYNAMODB


def test_permissions_boundary_admits_the_archive_and_nothing_broader() -> None:
    statements = _dynamodb_statements("platform", "ServiceRoleBoundary")
    arn = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}"
    table = f"{arn}:table/${{ProjectName}}-${{Environment}}-archive"
    items, key = statements
    assert set(as_list(items["Action"])) == ARCHIVE_ITEM_ACTIONS | {"dynamodb:Query"}
    assert [sub_text(r) for r in items["Resource"]] == [table, f"{table}/index/*"]
    assert sub_text(_archive_table()["Properties"]["TableName"]) == table.rsplit("table/", 1)[1]
    assert key["Resource"] == ENCRYPTION_KEY and key["Condition"] == KMS_VIA_DYNAMODB
    assert set(as_list(key["Action"])) == KMS_THROUGH_DYNAMODB


def test_container_uses_the_archive_table() -> None:
    environment = _container()["Environment"]
    plain = {e["Name"]: e["Value"] for e in environment if "Name" in e}
    assert plain["ARCHIVE_BACKEND"] == "dynamodb"
    assert plain["ARCHIVE_TABLE"] == {"Ref": "ArchiveTable"}
    assert plain["ARCHIVE_REGION"] == {"Ref": "AWS::Region"}
    assert "ARCHIVE_RETENTION_DAYS" not in plain
    conditional = {e["Fn::If"][1]["Name"]: e["Fn::If"] for e in environment if "Fn::If" in e}
    condition, value, otherwise = conditional["ARCHIVE_RETENTION_DAYS"]
    assert (condition, otherwise) == ("ArchiveRetention", {"Ref": "AWS::NoValue"})
    assert value["Value"] == {"Ref": "ArchiveRetentionDays"}


def test_deploy_role_creates_the_archive_table_by_name_and_never_deletes_it() -> None:
    statements = {s["Sid"]: s for w, s in policy_statements(load("pipeline")) if w.startswith("DeployRole")}
    table = statements["ArchiveTable"]
    actions = set(as_list(table["Action"]))
    assert "dynamodb:CreateTable" in actions and "dynamodb:DeleteTable" not in actions
    assert not any(a.endswith(("Item", "Query", "Scan")) for a in actions), "the data is the app's alone"
    names = {sub_text(r).rsplit("table/", 1)[1] for r in unconditional(table["Resource"])}
    assert names == {"${ProjectName}-${Environment}-archive", "${ProjectName}-${PromoteTo}-archive"}
    key = statements["ArchiveTableKeyThroughDynamoDB"]
    assert key["Condition"] == KMS_VIA_DYNAMODB


# ---- The container, the app and the Dockerfile agree -------------------------


def _container() -> dict[str, Any]:
    task = resources(load("service"), "AWS::ECS::TaskDefinition")["TaskDefinition"]["Properties"]
    (container,) = task["ContainerDefinitions"]
    return container


def _dockerfile() -> str:
    path = REPO / "Dockerfile"
    if not path.exists():
        pytest.skip("Dockerfile not written yet (the container work is in progress)")
    return path.read_text()


def test_container_name_and_port_agree_everywhere() -> None:
    from sports_api.core.config import Settings

    container = _container()
    assert container["Name"] == CONTAINER_NAME
    assert [m["ContainerPort"] for m in container["PortMappings"]] == [CONTAINER_PORT]
    env = {e["Name"]: e["Value"] for e in container["Environment"] if "Name" in e}
    assert env["PORT"] == str(CONTAINER_PORT)
    assert env["HOST"] == "0.0.0.0"
    (balancer,) = resources(load("service"), "AWS::ECS::Service")["Service"]["Properties"]["LoadBalancers"]
    assert (balancer["ContainerName"], balancer["ContainerPort"]) == (CONTAINER_NAME, CONTAINER_PORT)
    target_group = resources(load("platform"), "AWS::ElasticLoadBalancingV2::TargetGroup")["TargetGroup"]
    assert target_group["Properties"]["Port"] == CONTAINER_PORT
    assert target_group["Properties"]["HealthCheckPath"] == HEALTH_PATH
    ingress = resources(load("platform"))["TaskFromLoadBalancer"]["Properties"]
    assert ingress["FromPort"] == ingress["ToPort"] == CONTAINER_PORT
    assert Settings(_env_file=None).port == CONTAINER_PORT  # type: ignore[call-arg]
    assert load("service")["Metadata"]["ContainerContract"] == {
        "Name": CONTAINER_NAME,
        "Port": CONTAINER_PORT,
        "User": CONTAINER_UID,
    }


def test_dockerfile_exposes_the_port_and_runs_as_the_task_user() -> None:
    dockerfile = _dockerfile()
    exposed = re.findall(r"(?im)^\s*EXPOSE\s+(.+)$", dockerfile)
    assert any(str(CONTAINER_PORT) in line.split() or f"{CONTAINER_PORT}/tcp" in line for line in exposed)
    healthcheck = re.search(r"(?ims)^HEALTHCHECK\s.*?CMD\s+(\[.*?\])", dockerfile)
    assert healthcheck, "the image declares a HEALTHCHECK"
    assert _container()["HealthCheck"]["Command"] == ["CMD", *json.loads(healthcheck.group(1))]
    users = re.findall(r"(?im)^\s*USER\s+(\S+)", dockerfile)
    assert users, "the image must set a non-root USER"
    assert users[-1].split(":")[0] == CONTAINER_UID
    assert _container()["User"].split(":")[0] == CONTAINER_UID


def test_container_is_hardened() -> None:
    container = _container()
    task = resources(load("service"), "AWS::ECS::TaskDefinition")["TaskDefinition"]["Properties"]
    assert container["ReadonlyRootFilesystem"] is True
    assert container["User"].split(":")[0] != "0"
    assert container["LinuxParameters"]["Capabilities"]["Drop"] == ["ALL"]
    volumes = {v["Name"] for v in task["Volumes"]}
    assert {"SourceVolume": "tmp", "ContainerPath": "/tmp", "ReadOnly": False} in container["MountPoints"]
    assert "tmp" in volumes
    assert task["RuntimePlatform"]["CpuArchitecture"] == {"Ref": "Architecture"}
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    options = container["LogConfiguration"]["Options"]
    assert container["LogConfiguration"]["LogDriver"] == "awslogs"
    assert options["awslogs-stream-prefix"] == "ecs"


def test_serpapi_key_only_through_secrets() -> None:
    container = _container()
    names = [e["Name"] for e in container["Environment"] if "Name" in e]
    assert not [n for n in names if "KEY" in n or "SECRET" in n]
    assert [s["Name"] for s in container["Secrets"]] == ["SERPAPI_API_KEY"]
    assert container["Secrets"][0]["ValueFrom"] == {
        "Fn::ImportValue": {"Fn::Sub": "${ProjectName}-${Environment}-SerpApiSecretArn"}
    }


def test_task_environment_names_are_settings_the_app_reads() -> None:
    from sports_api.core.config import Settings

    known = set()
    for name, field in Settings.model_fields.items():
        known.add(name.upper())
        alias = field.validation_alias
        if alias is not None:
            known.update(str(a).upper() for a in getattr(alias, "choices", [alias]))
    container = _container()
    names = {e["Name"] for e in container["Environment"] if "Name" in e}
    names |= {
        item["Fn::If"][1]["Name"] for item in container["Environment"] if "Fn::If" in item
    }  # the optional REDIS_URL and ARCHIVE_RETENTION_DAYS
    assert names | {"SERPAPI_API_KEY"} <= known, names - known
    assert {
        "PORT",
        "HOST",
        "FORWARDED_ALLOW_IPS",
        "LOG_LEVEL",
        "TTL_LIVE_SECONDS",
        "TTL_IDLE_SECONDS",
        "STALE_MAX_SECONDS",
        "SERPAPI_MAX_SEARCHES_PER_HOUR",
        "SERPAPI_TIMEOUT_SECONDS",
        "DATA_SOURCE",
        "REDIS_URL",
        "ARCHIVE_BACKEND",
        "ARCHIVE_TABLE",
        "ARCHIVE_REGION",
        "ARCHIVE_RETENTION_DAYS",
    } <= names


def _walk_routes(routes: Iterable[Any]) -> Iterator[tuple[str, frozenset[str]]]:
    """(path, methods) of every route, included routers and mounted file trees too."""
    from starlette.routing import Mount

    for route in routes:
        if isinstance(route, Mount):  # a tree of files: the mount's path and anything below it
            yield f"{route.path}/{{path}}", frozenset({"GET", "HEAD"})
        elif hasattr(route, "effective_route_contexts"):  # FastAPI's included router
            yield from _walk_routes(route.effective_route_contexts())
        elif isinstance(getattr(route, "path", None), str):
            methods = set(route.methods or ())
            if "GET" in methods:
                methods.add("HEAD")  # the app answers HEAD on every GET route
            yield route.path, frozenset(methods)
        else:
            raise AssertionError(f"cannot tell which paths {route!r} serves")


@cache
def _app_routes() -> dict[str, frozenset[str]]:
    """Every path the app serves (`{...}` for a variable part) and its methods, read from the app."""
    from sports_api.core.config import Settings
    from sports_api.web.app import create_app

    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    routes: dict[str, frozenset[str]] = {}
    for path, methods in _walk_routes(app.routes):
        routes[path] = routes.get(path, frozenset()) | methods
    # The walk must see at least what the OpenAPI document lists, and the pages.
    assert set(app.openapi()["paths"]) <= set(routes)
    assert {"/", "/docs", "/redoc", "/openapi.json", "/static/{path}", "/docs/assets/{path}"} <= set(routes)
    return routes


def _app_paths() -> set[str]:
    return set(_app_routes())


async def test_health_check_path_is_served_by_the_app() -> None:
    import httpx

    from sports_api.core.config import Settings
    from sports_api.web.app import create_app

    assert HEALTH_PATH in _app_paths()
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://task") as client:
        assert (await client.get(HEALTH_PATH)).status_code == 200


def _alb_matches(pattern: str, path: str) -> bool:
    """ALB path patterns: '*' is any run of characters, '?' one; case-sensitive."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, path) is not None


# Paths the app does not serve: the listener answers them itself.
NOT_APP_ROUTES = ("/admin", "/v2/leagues", "/healthz", "/v1", "/staticx", "/docs/other", "/index.html")


def test_listener_rules_forward_every_app_route_and_nothing_else() -> None:
    rules = resources(load("platform"), "AWS::ElasticLoadBalancingV2::ListenerRule").values()
    patterns = []
    for rule in rules:
        for condition in rule["Properties"]["Conditions"]:
            values = condition["PathPatternConfig"]["Values"]
            assert len(values) <= 5, "an ALB path condition takes at most five values"
            patterns += values
    # The scoreboard and its files are routes like the others.
    assert {"/", "/static/{path}"} <= _app_paths()
    for path in _app_paths():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        assert any(_alb_matches(p, concrete) for p in patterns), f"ALB answers 404 for app route {path}"
    for unknown in NOT_APP_ROUTES:
        assert not any(_alb_matches(p, unknown) for p in patterns), unknown


# ---- API Gateway ---------------------------------------------------------------


def test_api_deployment_id_carries_the_current_api_hash() -> None:
    api = load("api")
    deployments = resources(api, "AWS::ApiGateway::Deployment")
    expected = f"ApiDeployment{api_revision(api)}"
    assert list(deployments) == [expected], (
        f"The API changed: rename {list(deployments)} to {expected} in cloudformation/api.yaml "
        "(the resource, the stage's DeploymentId and the Description), so CloudFormation deploys it."
    )
    (deployment,) = deployments.values()
    assert deployment["Properties"]["Description"].endswith(api_revision(api))
    shaping = {k for k, r in resources(api).items() if r["Type"] in API_SHAPING_TYPES[2:]}
    assert shaping <= set(deployment["DependsOn"]), "the deployment must wait for every method"
    stage = resources(api, "AWS::ApiGateway::Stage")["Stage"]["Properties"]
    assert stage["DeploymentId"] == {"Ref": expected}


# Liveness (monitors need no key) and the pages for people (browsers send none: issue 22).
PUBLIC_PATHS = (
    "/", "/static/{path}", "/events/{slug}", "/docs", "/docs/assets/{path}", "/redoc", "/openapi.json"
)  # fmt: skip
OPEN_ROUTES = {(path, verb) for path in ("/health", *PUBLIC_PATHS) for verb in ("GET", "HEAD")}


def test_api_methods() -> None:
    methods = resources(load("api"), "AWS::ApiGateway::Method")
    open_methods = {k for k, m in methods.items() if not m["Properties"].get("ApiKeyRequired")}
    assert {"HealthMethod", "HealthHeadMethod"} <= open_methods  # pages: tests/infra/test_public_pages.py
    open_methods = {"HealthMethod", "HealthHeadMethod"}
    for logical_id in open_methods:
        health = methods[logical_id]["Properties"]
        assert health["ResourceId"] == {"Ref": "HealthResource"}
        assert health["HttpMethod"] == health["Integration"]["IntegrationHttpMethod"]
        assert sub_text(health["Integration"]["Uri"]).endswith(HEALTH_PATH)
    assert {methods[k]["Properties"]["HttpMethod"] for k in open_methods} == {"GET", "HEAD"}
    for logical_id, method in methods.items():
        integration = method["Properties"]["Integration"]
        assert integration["Type"] == "HTTP_PROXY", logical_id
        assert integration["ConnectionType"] == "VPC_LINK", logical_id
        assert "IntegrationTarget" in integration, f"{logical_id}: VPC link v2 needs IntegrationTarget"
        params = integration["RequestParameters"]
        assert params["integration.request.header.X-Request-ID"] == "context.requestId", logical_id
    proxy = methods["ProxyMethod"]["Properties"]
    assert proxy["HttpMethod"] == "ANY"
    assert sub_text(proxy["Integration"]["Uri"]).endswith("/{proxy}")


def test_keyed_methods_pass_the_callers_key_id_and_only_it() -> None:
    """The app's fair shares and /v1/me trust X-Api-Key-Id from the load balancer's range: on every
    keyed method API Gateway sets it to the id of the key it checked, which replaces any
    X-Api-Key-Id a client sent; nothing maps it from the client's request."""
    methods = resources(load("api"), "AWS::ApiGateway::Method")
    keyed = {k: m["Properties"] for k, m in methods.items() if m["Properties"].get("ApiKeyRequired")}
    assert {"RootMethod", "ProxyMethod"} <= set(keyed)
    for logical_id, method in keyed.items():
        params = method["Integration"]["RequestParameters"]
        assert params.get("integration.request.header.X-Api-Key-Id") == "context.identity.apiKeyId", (
            logical_id
        )
    for logical_id, method in methods.items():
        for target, source in method["Properties"]["Integration"]["RequestParameters"].items():
            assert not source.startswith("method.request.header."), f"{logical_id}: {target} from the client"
            if target.lower() == "integration.request.header.x-api-key-id":
                assert logical_id in keyed, f"{logical_id}: no key, so no key id to pass"
    text = template_path("api").read_text()
    assert "A client cannot set it" in text, "api.yaml says why the header can be trusted"


def test_api_gateway_serves_every_app_route_and_method_with_the_key() -> None:
    """PUT and DELETE /v1/me/teams/{team}, HEAD on every GET route, the scoreboard and its files:
    each reaches a method (else API Gateway answers 403), keyed except GET and HEAD on /health
    and on the pages for people."""
    routes = _app_routes()
    assert {"PUT", "DELETE"} <= routes["/v1/me/teams/{team}"]
    for path, verbs in routes.items():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        for verb in verbs:
            found = gateway_method(concrete, verb)
            assert found, f"API Gateway answers 403 to {verb} {path}"
            logical_id, method = found
            assert method["ApiKeyRequired"] is ((path, verb) not in OPEN_ROUTES), (
                f"{verb} {path} ({logical_id})"
            )
    assert gateway_method("/health", "POST") is None, "an open resource is open for its probes only"


# Response types API Gateway meets on this API, with the statuses the app's OpenAPI document
# gives clients for them (Problem requires `status`).
GATEWAY_STATUSES = {
    "INVALID_API_KEY": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "THROTTLED": 429,
    "QUOTA_EXCEEDED": 429,
}


def test_gateway_errors_are_problems_with_their_status() -> None:
    from sports_api.web.schemas import Problem

    responses = resources(load("api"), "AWS::ApiGateway::GatewayResponse").values()
    by_type = {r["Properties"]["ResponseType"]: r["Properties"] for r in responses}
    assert {"DEFAULT_4XX", "DEFAULT_5XX", *GATEWAY_STATUSES} <= set(by_type)
    for response_type, status in GATEWAY_STATUSES.items():
        assert by_type[response_type]["StatusCode"] == str(status), response_type
    placeholders = {"$context.requestId": "c0ffee00", "$context.error.responseType": "SOME_TYPE"}
    for response_type, props in by_type.items():
        assert props["ResponseParameters"] == {
            "gatewayresponse.header.Content-Type": "'application/problem+json'"
        }, response_type
        (template,) = props["ResponseTemplates"].values()
        # A template substitutes variables only; none gives the status, so each states its own.
        status = int(props["StatusCode"])
        assert 400 <= status <= 599, response_type
        if response_type.startswith("DEFAULT_"):
            assert str(status)[0] == response_type[-3], response_type
        variables = set(re.findall(r"\$context\.[\w.]+", template))
        assert variables <= set(placeholders), f"{response_type}: {variables - set(placeholders)}"
        for variable in variables:
            assert f'"{variable}"' in template, f"{response_type}: {variable} must sit in a JSON string"
        body = json.loads(re.sub(r"\$context\.[\w.]+", lambda m: placeholders[m.group(0)], template))
        assert set(body) == {"type", "title", "status", "detail", "request_id"}, response_type
        Problem.model_validate(body)
        assert body["type"] == "urn:sports-api:problem:gateway", response_type
        assert body["status"] == status, response_type
        assert body["title"] == HTTPStatus(status).phrase, response_type
        assert body["request_id"] == placeholders["$context.requestId"], response_type
        expected = (
            placeholders["$context.error.responseType"]
            if response_type.startswith("DEFAULT_")
            else response_type
        )
        assert body["detail"] == expected, response_type
    assert "status" in Problem.model_json_schema()["required"], "why the bodies carry it"


def test_access_log_is_json_with_the_fields_operators_need() -> None:
    stage = resources(load("api"), "AWS::ApiGateway::Stage")["Stage"]["Properties"]
    fmt = stage["AccessLogSetting"]["Format"]
    assert "\n" not in fmt
    assert isinstance(json.loads(re.sub(r"\$context\.[\w.]+", "x", fmt)), dict)
    for variable in (
        "requestId",
        "identity.sourceIp",
        "identity.apiKeyId",
        "httpMethod",
        "path",
        "status",
        "responseLatency",
        "integration.latency",
    ):
        assert f'"$context.{variable}"' in fmt, variable


def test_usage_plan_and_throttling() -> None:
    api = load("api")
    plan = resources(api, "AWS::ApiGateway::UsagePlan")["UsagePlan"]["Properties"]
    assert set(plan["Throttle"]) == {"RateLimit", "BurstLimit"}
    assert set(plan["Quota"]) == {"Limit", "Period"}
    (setting,) = resources(api, "AWS::ApiGateway::Stage")["Stage"]["Properties"]["MethodSettings"]
    assert setting["MetricsEnabled"] is True
    assert {"ThrottlingRateLimit", "ThrottlingBurstLimit"} <= set(setting)


# ---- Monitoring agrees with the app's logs ---------------------------------------


def _logged_upstream_events() -> set[str]:
    """Every `event` value the app logs for an upstream failure."""
    from sports_api.core import errors

    kinds = {
        cls.kind
        for cls in vars(errors).values()
        if isinstance(cls, type)
        and issubclass(cls, errors.UpstreamError | errors.BudgetExhausted)
        and cls is not errors.UpstreamError  # the abstract base: only its subclasses are raised
    }
    source = (REPO / "src" / "sports_api" / "upstream" / "serpapi.py").read_text()
    return kinds | set(re.findall(r'"event":\s*"(upstream[_-][\w-]+)"', source))


def test_metric_filters_match_what_the_app_logs() -> None:
    monitoring = load("monitoring")
    contract = monitoring["Metadata"]["LogContract"]
    assert set(contract["UpstreamErrorEvents"]) == _logged_upstream_events()
    filters = resources(monitoring, "AWS::Logs::MetricFilter")
    upstream = filters["UpstreamErrorsFilter"]["Properties"]["FilterPattern"]
    assert set(re.findall(r'\$\.event = "([^"]+)"', upstream)) == set(contract["UpstreamErrorEvents"])
    games = (REPO / "src" / "sports_api" / "service.py").read_text()
    assert f'"event": "{contract["StaleEvent"]}"' in games
    assert (
        filters["StaleServedFilter"]["Properties"]["FilterPattern"]
        == f'{{ $.event = "{contract["StaleEvent"]}" }}'
    )
    from sports_api.service import Result

    cache_values = set(typing.get_args(typing.get_type_hints(Result)["cache"]))
    assert cache_values == set(contract["CacheValues"])
    from sports_api.core.logs import _FIELDS

    assert contract["CacheField"] in _FIELDS and "event" in _FIELDS
    cache_filters = {
        re.search(r'\$\.cache = "(\w+)"', f["Properties"]["FilterPattern"]).group(1)
        for f in filters.values()
        if "$.cache" in f["Properties"]["FilterPattern"]
    }
    assert cache_filters == cache_values
    for logical_id, metric_filter in filters.items():
        assert metric_filter["Properties"]["LogGroupName"] == {
            "Fn::ImportValue": {"Fn::Sub": "${ProjectName}-${Environment}-ServiceLogGroupName"}
        }, logical_id


def test_alarms_cover_the_issue_list_and_notify_the_topic() -> None:
    alarms = resources(load("monitoring"), "AWS::CloudWatch::Alarm")
    metrics = set()
    for alarm in alarms.values():
        props = alarm["Properties"]
        if "MetricName" in props:
            metrics.add((str(props.get("Namespace")), props["MetricName"]))
        for query in props.get("Metrics", []):
            # Metrics Insights: SELECT <stat>(<metric>) FROM SCHEMA("<namespace>", ...)
            text = sub_text(query["Expression"])
            match = re.search(r'SELECT \w+\((\w+)\) FROM SCHEMA\("([^"]+)"', text)
            metrics.add((match.group(2), match.group(1)))
    for wanted in [
        ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"),
        ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"),
        ("AWS/ApplicationELB", "UnHealthyHostCount"),
        ("AWS/ApplicationELB", "TargetResponseTime"),
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/ECS", "CPUUtilization"),
        ("AWS/ECS", "MemoryUtilization"),
    ]:
        assert wanted in metrics, wanted
    for logical_id, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], logical_id
        assert alarm["Properties"].get("TreatMissingData"), logical_id


def test_ecs_events_rule() -> None:
    rule = resources(load("monitoring"), "AWS::Events::Rule")["EcsEventsRule"]["Properties"]
    pattern = rule["EventPattern"]
    assert "ECS Service Action" in pattern["detail-type"]
    assert set(pattern["detail"]["eventType"]) == {"ERROR", "WARN"}
    assert rule["Targets"][0]["Arn"] == {"Ref": "AlarmTopic"}


def test_dashboard_body_is_valid_json() -> None:
    dashboard = resources(load("monitoring"), "AWS::CloudWatch::Dashboard")["Dashboard"]
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"][0]
    widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))["widgets"]
    assert len(widgets) >= 8


# ---- Network ---------------------------------------------------------------------


def test_network_egress_modes() -> None:
    network = load("network")
    assert network["Parameters"]["EgressMode"]["AllowedValues"] == [
        "SingleNatGateway",
        "NatGatewayPerAz",
        "PublicSubnets",
    ]
    assert network["Parameters"]["EgressMode"]["Default"] == "SingleNatGateway"
    for subnet in resources(network, "AWS::EC2::Subnet").values():
        assert subnet["Properties"].get("MapPublicIpOnLaunch") is not True
    assert resources(network, "AWS::EC2::FlowLog")
    endpoints = {
        sub_text(e["Properties"]["ServiceName"]).rsplit(".", 1)[-1]
        for e in resources(network, "AWS::EC2::VPCEndpoint").values()
    }
    assert {"api", "dkr", "logs", "secretsmanager", "s3", "dynamodb"} <= endpoints


def test_tasks_reach_dynamodb_through_a_free_gateway_endpoint() -> None:
    """The archive's traffic skips the NAT gateway (and its per-GB charge), from any subnet the tasks use."""
    endpoints = resources(load("network"), "AWS::EC2::VPCEndpoint").values()
    (dynamodb,) = [
        e["Properties"] for e in endpoints if sub_text(e["Properties"]["ServiceName"]).endswith(".dynamodb")
    ]
    assert sub_text(dynamodb["ServiceName"]) == "com.amazonaws.${AWS::Region}.dynamodb"
    assert dynamodb["VpcEndpointType"] == "Gateway"
    tables = {t["Ref"] for t in dynamodb["RouteTableIds"]}
    assert {"PrivateRouteTable1", "PrivateRouteTable2", "PublicRouteTable"} == tables


def test_security_groups_chain_vpc_link_to_alb_to_tasks() -> None:
    platform = resources(load("platform"))
    alb_ingress = platform["LoadBalancerFromVpcLink"]["Properties"]
    assert alb_ingress["GroupId"] == {"Ref": "LoadBalancerSecurityGroup"}
    assert alb_ingress["SourceSecurityGroupId"] == {"Ref": "VpcLinkSecurityGroup"}
    task_ingress = [
        r["Properties"]
        for r in platform.values()
        if r["Type"] == "AWS::EC2::SecurityGroupIngress"
        and r["Properties"]["GroupId"] == {"Ref": "TaskSecurityGroup"}
    ]
    assert [i["SourceSecurityGroupId"] for i in task_ingress] == [{"Ref": "LoadBalancerSecurityGroup"}]
    for logical_id, group in platform.items():
        if group["Type"] == "AWS::EC2::SecurityGroup":
            for rule in group["Properties"].get("SecurityGroupIngress", []):
                assert "CidrIp" not in rule, f"{logical_id} admits addresses, not a group"
    balancer = platform["LoadBalancer"]["Properties"]
    assert balancer["Scheme"] == "internal"
    attributes = {a["Key"]: a["Value"] for a in balancer["LoadBalancerAttributes"]}
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["deletion_protection.enabled"] == {"Ref": "LoadBalancerDeletionProtection"}
    default = platform["Listener"]["Properties"]["DefaultActions"][0]
    assert default["Type"] == "fixed-response"
    assert default["FixedResponseConfig"]["StatusCode"] == "404"


def test_repository_is_scanned_immutable_and_pruned() -> None:
    repo = resources(load("platform"), "AWS::ECR::Repository")["Repository"]["Properties"]
    assert repo["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert repo["ImageTagMutability"].startswith("IMMUTABLE")
    policy = json.loads(
        substitute(sub_text(repo["LifecyclePolicy"]["LifecyclePolicyText"]), {"ImagesToKeep": "30"})
    )
    assert any(r["selection"]["countType"] == "imageCountMoreThan" for r in policy["rules"])


# ---- Pipeline ----------------------------------------------------------------------


# The release path itself (stages, promotion, deploy role): test_delivery.py.


def test_artifact_bucket_is_locked_down() -> None:
    bucket = resources(load("pipeline"), "AWS::S3::Bucket")["ArtifactBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == {
        "Ref": "ArtifactRetentionDays"
    }
    policy = resources(load("pipeline"), "AWS::S3::BucketPolicy")["ArtifactBucketPolicy"]["Properties"]
    (tls,) = policy["PolicyDocument"]["Statement"]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_pipeline_failures_reach_the_alarm_topic() -> None:
    rule = resources(load("pipeline"), "AWS::Events::Rule")["PipelineFailedRule"]["Properties"]
    assert rule["EventPattern"]["detail"]["state"] == ["FAILED"]
    assert rule["Targets"][0]["Arn"] == {
        "Fn::ImportValue": {"Fn::Sub": "${ProjectName}-${Environment}-AlarmTopicArn"}
    }
    # The topic admits the project's rules by name.
    topic_policy = resources(load("monitoring"), "AWS::SNS::TopicPolicy")["AlarmTopicPolicy"]
    allowed = json.dumps(topic_policy["Properties"])
    assert "rule/${ProjectName}-${Environment}-*" in allowed
    assert sub_text(rule["Name"]).startswith("${ProjectName}-${Environment}-")
