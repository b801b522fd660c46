"""Contract tests of the delivery path: canary releases with alarm rollback, one image
promoted from one environment to the next, per-environment template configurations,
least privilege of the pipeline's roles, and the automation that rolls the service
when its SerpAPI key changes.

All of it reads the real templates, buildspecs and configuration files; nothing
talks to AWS. Event patterns are evaluated with moto's EventBridge matcher.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
import yaml

from .cfn import (
    DEFAULT_NAMES,
    ENVIRONMENTS_DIR,
    REPO,
    as_list,
    load,
    policy_statements,
    resources,
    sub_text,
    substitute,
    unconditional,
)

ACCOUNT, REGION, PARTITION = "123456789012", "us-east-1", "aws"
LB_POLICY = "AmazonECSInfrastructureRolePolicyForLoadBalancers"
ELB = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}"


# ---- A small evaluator: a template's intrinsic functions with concrete values ----------


def _param_defaults(stack: str, **overrides: str) -> dict[str, str]:
    values = {n: str(p.get("Default", "")) for n, p in load(stack)["Parameters"].items()}
    values.update({"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": PARTITION})
    values.update({"AWS::URLSuffix": "amazonaws.com"})
    values.update(overrides)
    return values


def _condition(stack: str, name: str, values: dict[str, str]) -> bool:
    return bool(_evaluate(stack, load(stack)["Conditions"][name], values))


def _evaluate(stack: str, node: Any, values: dict[str, str], imports: dict[str, str] | None = None) -> Any:
    """Resolve Ref, Fn::Sub, Fn::If, Fn::Equals, Fn::Not, Fn::Join, Fn::Select, Fn::Split and
    Fn::ImportValue (from `imports`) for the given parameter values."""
    imports = imports or {}

    def ev(n: Any) -> Any:
        return _evaluate(stack, n, values, imports)

    if isinstance(node, list):
        return [v for v in (ev(n) for n in node) if v is not _NO_VALUE]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        return _NO_VALUE if node["Ref"] == "AWS::NoValue" else values[node["Ref"]]
    if set(node) == {"Condition"}:
        return _condition(stack, node["Condition"], values)
    if len(node) == 1:
        ((fn, arg),) = node.items()
        if fn == "Fn::Sub":
            text, local = (
                (arg, {}) if isinstance(arg, str) else (arg[0], {k: ev(v) for k, v in arg[1].items()})
            )
            scope = {**values, **local}
            return re.sub(r"\$\{([^}!]+)\}", lambda m: str(scope[m.group(1)]), text)
        if fn == "Fn::If":
            name, yes, no = arg
            return ev(yes) if _condition(stack, name, values) else ev(no)
        if fn == "Fn::Equals":
            return ev(arg[0]) == ev(arg[1])
        if fn == "Fn::Not":
            return not ev(arg[0])
        if fn == "Fn::Join":
            return arg[0].join(str(v) for v in ev(arg[1]))
        if fn == "Fn::Select":
            return ev(arg[1])[int(ev(arg[0]))]
        if fn == "Fn::Split":
            return ev(arg[1]).split(arg[0])
        if fn == "Fn::ImportValue":
            return imports[ev(arg)]
    return {k: ev(v) for k, v in node.items()}


_NO_VALUE = object()


@cache
def _platform_exports(environment: str = "dev") -> dict[str, str]:
    """The export names and values of a default platform stack whose resources are stand-ins."""
    values = _param_defaults("platform", Environment=environment)
    prefix = f"sports-api-{environment}"
    stand_ins = {
        "Repository": prefix,
        "Listener": f"{ELB}:listener/app/{prefix}/50dc6c495c0c9188/f2f7dc8efc522ab2",
        "TargetGroup": f"{ELB}:targetgroup/{prefix}/73e2d6bc24d8a067",
        "Cluster": prefix,
    }
    found = {}
    for output in load("platform")["Outputs"].values():
        if "Export" not in output:
            continue
        name = _evaluate("platform", output["Export"]["Name"], values)
        try:
            found[name] = _evaluate("platform", output["Value"], {**values, **stand_ins})
        except (KeyError, TypeError):
            continue  # an attribute of a real resource: not needed here
    return found


# ---- Rollout -------------------------------------------------------------------------------


def _service() -> dict[str, Any]:
    return resources(load("service"), "AWS::ECS::Service")["Service"]["Properties"]


def test_releases_are_canaries_by_default_and_every_strategy_is_a_parameter() -> None:
    service = load("service")
    strategy = service["Parameters"]["Strategy"]
    assert strategy["Default"] == "CANARY"
    assert strategy["AllowedValues"] == ["ROLLING", "CANARY", "LINEAR", "BLUE_GREEN"]
    config = _service()["DeploymentConfiguration"]
    assert config["Strategy"] == {"Ref": "Strategy"}
    assert config["CanaryConfiguration"]["Fn::If"][0] == "IsCanary"
    assert config["LinearConfiguration"]["Fn::If"][0] == "IsLinear"
    assert config["BakeTimeInMinutes"] == {"Ref": "BakeTimeMinutes"}
    assert int(service["Parameters"]["BakeTimeMinutes"]["Default"]) > 0
    assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    for value, expected in {"CANARY": True, "LINEAR": True, "BLUE_GREEN": True, "ROLLING": False}.items():
        values = _param_defaults("service", Strategy=value)
        assert _condition("service", "ShiftsTraffic", values) is expected, value
        assert _condition("service", "IsCanary", values) is (value == "CANARY")
    # The longest canary or linear release fits CloudFormation's limit (it refuses over 33 hours).
    params = service["Parameters"]
    bake = params["BakeTimeMinutes"]["MaxValue"]
    assert bake + params["CanaryBakeTimeMinutes"]["MaxValue"] <= 33 * 60
    steps = 100 // params["LinearStepPercent"]["MinValue"]
    assert bake + steps * params["LinearStepBakeTimeMinutes"]["MaxValue"] <= 33 * 60


def test_traffic_shifting_has_its_alternate_group_rules_and_role() -> None:
    service = load("service")
    shifting = {k for k, r in resources(service).items() if r.get("Condition") == "ShiftsTraffic"}
    assert shifting == {"AlternateTargetGroup", "ProductionRule", "TestRule", "LoadBalancerRole"}
    (balancer,) = _service()["LoadBalancers"]
    condition, advanced, otherwise = balancer["AdvancedConfiguration"]["Fn::If"]
    assert (condition, otherwise) == ("ShiftsTraffic", {"Ref": "AWS::NoValue"})
    assert advanced == {
        "AlternateTargetGroupArn": {"Ref": "AlternateTargetGroup"},
        "ProductionListenerRule": {"Ref": "ProductionRule"},
        "TestListenerRule": {"Ref": "TestRule"},
        "RoleArn": {"Fn::GetAtt": ["LoadBalancerRole", "Arn"]},
    }
    # The two groups take turns serving: they must check health the same way.
    primary = resources(load("platform"))["TargetGroup"]["Properties"]
    alternate = resources(service)["AlternateTargetGroup"]["Properties"]
    for key in ("TargetType", "Protocol", "Port", "HealthCheckPath", "Matcher", "HealthyThresholdCount"):
        assert alternate[key] == primary[key], key
    # Both rules forward to the pair, all traffic on the platform's group until ECS moves it.
    listener = {"Fn::ImportValue": {"Fn::Sub": "${ProjectName}-${Environment}-ListenerArn"}}
    for name in ("ProductionRule", "TestRule"):
        rule = resources(service)[name]["Properties"]
        assert rule["ListenerArn"] == listener
        (action,) = rule["Actions"]
        weights = [(g["TargetGroupArn"], g["Weight"]) for g in action["ForwardConfig"]["TargetGroups"]]
        assert weights == [(balancer["TargetGroupArn"], 100), ({"Ref": "AlternateTargetGroup"}, 0)]
    # Test traffic needs the header; production traffic does not, and comes second.
    test, production = (resources(service)[n]["Properties"] for n in ("TestRule", "ProductionRule"))
    headers = [c for c in test["Conditions"] if c["Field"] == "http-header"]
    assert [h["HttpHeaderConfig"] for h in headers] == [{"HttpHeaderName": "X-Release-Test", "Values": ["1"]}]
    assert not [c for c in production["Conditions"] if c["Field"] == "http-header"]
    assert test["Priority"] < production["Priority"]
    platform_rules = resources(load("platform"), "AWS::ElasticLoadBalancingV2::ListenerRule").values()
    assert production["Priority"] < min(r["Properties"]["Priority"] for r in platform_rules)
    role = resources(service)["LoadBalancerRole"]["Properties"]
    arn = f"arn:${{AWS::Partition}}:iam::aws:policy/{LB_POLICY}"
    assert [sub_text(a) for a in role["ManagedPolicyArns"]] == [arn]
    assert sub_text(role["PermissionsBoundary"]) == arn, "the role can never hold more than that policy"
    assert "Policies" not in role
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "ecs.amazonaws.com"}


def _release_patterns() -> list[str]:
    service = load("service")
    found = []
    for name in ("ProductionRule", "TestRule"):
        for condition in resources(service)[name]["Properties"]["Conditions"]:
            if condition["Field"] == "path-pattern":
                found.append(condition["PathPatternConfig"]["RegexValues"])
    first, second = found
    assert first == second, "test traffic reaches the routes production traffic does"
    (lookup,) = first
    mapping, top, second_key = lookup["Fn::FindInMap"]
    return [service["Mappings"][mapping][top][second_key]]


def test_release_rules_route_every_app_route_and_nothing_else() -> None:
    from .test_templates import NOT_APP_ROUTES, _app_paths

    patterns = _release_patterns()
    # The scoreboard and its files are routes like the others.
    assert {"/", "/static/{path}"} <= _app_paths()
    for path in _app_paths():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        assert any(re.search(p, concrete) for p in patterns), f"a release would 404 the app route {path}"
    for unknown in (*NOT_APP_ROUTES, "//", "/docsx", "/openapi_json", "/static", "/static/", "/docs/assets/"):
        assert not any(re.search(p, unknown) for p in patterns), unknown


def test_target_groups_drain_within_the_apps_graceful_stop() -> None:
    """A leaving task first drains (deregistration delay), then gets SIGTERM and its graceful stop."""
    from sports_api.core.config import Settings

    # Buffered answers; an event stream (its timeout a parameter) is closed with `retry:` at
    # SIGTERM instead (tests/fault/test_stream_shutdown.py).
    api_timeout = max(
        m["Properties"]["Integration"]["TimeoutInMillis"] / 1000
        for m in resources(load("api"), "AWS::ApiGateway::Method").values()
        if isinstance(m["Properties"]["Integration"]["TimeoutInMillis"], int)
    )
    graceful = Settings(_env_file=None).graceful_shutdown_seconds  # type: ignore[call-arg]
    params = load("service")["Parameters"]
    assert params["StopTimeout"]["Default"] > graceful, "SIGKILL must come after the graceful stop"
    alternate = resources(load("service"))["AlternateTargetGroup"]["Properties"]
    (delay,) = [
        a for a in alternate["TargetGroupAttributes"] if a["Key"] == "deregistration_delay.timeout_seconds"
    ]
    assert delay["Value"] == {"Ref": "DeregistrationDelaySeconds"}
    primary = resources(load("platform"))["TargetGroup"]["Properties"]["TargetGroupAttributes"]
    (primary_delay,) = [a["Value"] for a in primary if a["Key"] == "deregistration_delay.timeout_seconds"]
    for seconds in (int(params["DeregistrationDelaySeconds"]["Default"]), int(primary_delay)):
        assert api_timeout <= seconds < 300, "in-flight requests finish; not the 300 s default"


def test_request_scaling_only_where_traffic_stays_in_one_target_group() -> None:
    service = resources(load("service"))
    assert service["RequestScaling"]["Condition"] == "IsRolling"
    assert "Condition" not in service["CpuScaling"]


# ---- Alarms that roll a release back --------------------------------------------------------


def test_releases_roll_back_on_the_release_alarms() -> None:
    alarms = _service()["DeploymentConfiguration"]["Alarms"]
    assert alarms["Enable"] is True and alarms["Rollback"] is True
    assert alarms["AlarmNames"] == {
        "Fn::Split": [
            ",",
            {"Fn::ImportValue": {"Fn::Sub": "${ProjectName}-${Environment}-DeploymentAlarmNames"}},
        ]
    }
    monitoring = load("monitoring")
    output = monitoring["Outputs"]["DeploymentAlarmNames"]
    delimiter, refs = output["Value"]["Fn::Join"]
    assert delimiter == ","
    gates = {r["Ref"]: resources(monitoring)[r["Ref"]]["Properties"] for r in refs}
    measured = {
        (a["Namespace"] if isinstance(a["Namespace"], str) else "app", a["MetricName"])
        for a in gates.values()
    }
    assert measured == {
        ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"),
        ("AWS/ApplicationELB", "TargetResponseTime"),
        ("app", "UpstreamErrors"),
    }
    for logical_id, alarm in gates.items():
        assert alarm["Period"] == 60, f"{logical_id}: a canary bakes minutes, not hours"
        assert alarm["EvaluationPeriods"] <= 2, logical_id
        dimensions = {d["Name"] for d in alarm.get("Dimensions", [])}
        assert "TargetGroup" not in dimensions, f"{logical_id}: both target groups must count"
        assert alarm["TreatMissingData"] == "notBreaching", f"{logical_id}: no traffic is no failure"
    (latency,) = [a for a in gates.values() if a["MetricName"] == "TargetResponseTime"]
    assert latency["ExtendedStatistic"] == "p99"
    (upstream,) = [a for a in gates.values() if a["MetricName"] == "UpstreamErrors"]
    filters = resources(monitoring, "AWS::Logs::MetricFilter")
    metric = filters["UpstreamErrorsFilter"]["Properties"]["MetricTransformations"][0]
    assert (upstream["Namespace"], upstream["MetricName"]) == (
        metric["MetricNamespace"],
        metric["MetricName"],
    )


def test_health_alarms_survive_a_release_swapping_target_groups() -> None:
    """After a release the platform's group may be empty: host alarms look at every group."""
    alarms = resources(load("monitoring"), "AWS::CloudWatch::Alarm")
    for logical_id, alarm in alarms.items():
        dimensions = {d["Name"] for d in alarm["Properties"].get("Dimensions", [])}
        assert "TargetGroup" not in dimensions, logical_id
    for logical_id in ("UnhealthyHostsAlarm", "NoHealthyHostsAlarm"):
        (query,) = alarms[logical_id]["Properties"]["Metrics"]
        text = sub_text(query["Expression"])
        assert 'SCHEMA("AWS/ApplicationELB", LoadBalancer, TargetGroup)' in text, logical_id
        assert "WHERE LoadBalancer = '${LoadBalancer}'" in text, logical_id


# ---- Environments and promotion -----------------------------------------------------------


def _pipeline_stages() -> list[tuple[str | None, dict[str, Any]]]:
    """(condition or None, stage) in order."""
    stages = []
    for stage in resources(load("pipeline"), "AWS::CodePipeline::Pipeline")["Pipeline"]["Properties"][
        "Stages"
    ]:
        if "Fn::If" in stage:
            condition, stage, otherwise = stage["Fn::If"]
            assert otherwise == {"Ref": "AWS::NoValue"}
            stages.append((condition, stage))
        else:
            stages.append((None, stage))
    return stages


def _stage_name(stage: dict[str, Any]) -> str:
    return substitute(sub_text(stage["Name"]), {"PromoteTo": "prod", "Environment": "staging"})


def test_one_image_is_promoted_staging_smoke_approval_prod_smoke() -> None:
    stages = _pipeline_stages()
    names = [_stage_name(s) for _, s in stages]
    assert names == [
        "Source",
        "Build",
        "Deploy-staging",
        "Smoke-staging",
        "Contract-staging",
        "Approve-prod",
        "Deploy-prod",
        "Smoke-prod",
    ]
    assert [c for c, _ in stages] == [None, None, None, None, None, "Promotes", "Promotes", "Promotes"]
    params = load("pipeline")["Parameters"]
    assert params["PromoteTo"]["Default"] == "", "a pipeline alone releases one environment"
    assert re.fullmatch(params["PromoteTo"]["AllowedPattern"], "prod")
    assert params["PromoteTo"]["AllowedPattern"].endswith(params["Environment"]["AllowedPattern"][1:])
    by_name = dict(zip(names, (s for _, s in stages), strict=True))
    (approve,) = by_name["Approve-prod"]["Actions"]
    assert approve["ActionTypeId"] == {
        "Category": "Approval",
        "Owner": "AWS",
        "Provider": "Manual",
        "Version": "1",
    }
    deploys = {}
    for environment, parameter in (("staging", "Environment"), ("prod", "PromoteTo")):
        (deploy,) = by_name[f"Deploy-{environment}"]["Actions"]
        config = deploy["Configuration"]
        overrides = json.loads(sub_text(config["ParameterOverrides"]))
        assert overrides["Environment"] == f"${{{parameter}}}"
        assert sub_text(config["StackName"]) == f"${{ProjectName}}-${{{parameter}}}-service"
        deploys[environment] = overrides["ImageUri"]
        (smoke,) = by_name[f"Smoke-{environment}"]["Actions"]
        assert smoke["Configuration"]["ProjectName"] == {"Ref": "SmokeProject"}
        variables = json.loads(sub_text(smoke["Configuration"]["EnvironmentVariables"]))
        assert {"name": "ENV", "value": f"${{{parameter}}}", "type": "PLAINTEXT"} in variables
        imported = smoke["Configuration"]["EnvironmentVariables"]["Fn::Sub"][1]
        assert imported["ApiUrl"] == {
            "Fn::ImportValue": {"Fn::Sub": f"${{ProjectName}}-${{{parameter}}}-ApiUrl"}
        }
    # The same image, by the digest the build exported.
    assert deploys["staging"] == deploys["prod"] == "#{BuildVariables.IMAGE_URI}"
    (build,) = by_name["Build"]["Actions"]
    assert build["Namespace"] == "BuildVariables"
    buildspec = yaml.safe_load((REPO / "buildspec.yml").read_text())
    assert buildspec["env"]["exported-variables"] == ["IMAGE_URI"]
    commands = [c for phase in buildspec["phases"].values() for c in phase.get("commands", [])]
    (export,) = [c for c in commands if c.startswith("export IMAGE_URI=")]
    assert re.fullmatch(r'export IMAGE_URI="\$\{REPOSITORY_URI\}@\$\{IMAGE_DIGEST:\?[^}]*\}"', export)
    (digest,) = [c for c in commands if c.startswith("export IMAGE_DIGEST=")]
    assert "ecr describe-images" in digest and "imageDigest" in digest
    # The service accepts it and pulls it from the repository it names.
    pattern = load("service")["Parameters"]["ImageUri"]["AllowedPattern"]
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/sports-api-staging@sha256:{'a' * 64}"
    assert re.fullmatch(pattern, image)
    pull = {s["Sid"]: s for _, s in policy_statements(load("service"))}["PullTheImage"]
    values = _param_defaults("service", ImageUri=image)
    assert _evaluate("service", pull["Resource"], values) == (
        f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/sports-api-staging"
    )
    assert _evaluate(
        "service", pull["Resource"], {**values, "ImageUri": image.replace("@sha256:" + "a" * 64, ":3f9c-1")}
    )
    boundary = {s["Sid"]: s for _, s in policy_statements(load("platform"))}["PullProjectImages"]
    assert sub_text(boundary["Resource"]).endswith(":repository/${ProjectName}-*")


def _environment_files() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(ENVIRONMENTS_DIR.glob("*.json"))}


def test_each_environment_keeps_its_service_settings_in_one_file() -> None:
    files = _environment_files()
    assert {"dev", "staging", "prod"} <= set(files)
    service = load("service")["Parameters"]
    overrides = set()
    for _, stage in _pipeline_stages():
        for action in stage["Actions"]:
            config = action["Configuration"]
            if action["ActionTypeId"]["Provider"] != "CloudFormation":
                continue
            env = json.loads(sub_text(config["ParameterOverrides"]))["Environment"]
            assert sub_text(config["TemplateConfiguration"]) == (
                f"Source::cloudformation/environments/{env}.json"
            ), "each environment's file, passed whole"
            assert config["TemplatePath"] == "Source::cloudformation/service.yaml"
            assert len(sub_text(config["ParameterOverrides"])) < 1000
            overrides |= set(json.loads(sub_text(config["ParameterOverrides"])))
    assert overrides == {"ProjectName", "Environment", "ImageUri", "Architecture"}
    assert overrides <= set(service)
    pipeline = load("pipeline")["Parameters"]
    assert not [p for p in pipeline if p.startswith("Service")], "service settings are not copied here"
    for env, config in files.items():
        assert set(config) <= {"Parameters", "Tags", "StackPolicy"}, env
        for name, value in config["Parameters"].items():
            assert name in service, f"{env}.json: {name} is no service parameter"
            assert name not in overrides, f"{env}.json: the pipeline sets {name}"
            assert isinstance(value, str), f"{env}.json: {name} must be a string"
            spec = service[name]
            if "AllowedValues" in spec:
                assert value in [str(v) for v in spec["AllowedValues"]], f"{env}.json: {name}={value}"
            if "AllowedPattern" in spec:
                assert re.fullmatch(spec["AllowedPattern"], value), f"{env}.json: {name}={value}"
            if "MinValue" in spec:
                assert float(spec["MinValue"]) <= float(value) <= float(spec["MaxValue"]), (
                    f"{env}.json: {name}"
                )
        values = _param_defaults("service", **config["Parameters"])
        assert int(values["MinCapacity"]) <= int(values["DesiredCount"]) <= int(values["MaxCapacity"]), env
    assert files["prod"]["Parameters"]["MinCapacity"] >= "2", "prod runs in both zones"
    assert files["prod"]["Parameters"].get("Strategy", service["Strategy"]["Default"]) == "CANARY"


def test_the_pipeline_owns_both_service_stacks_and_nothing_more() -> None:
    statements = {
        s["Sid"]: s for where, s in policy_statements(load("pipeline")) if where.startswith("PipelineRole")
    }
    stacks = [sub_text(r) for r in unconditional(statements["DeployServiceStacks"]["Resource"])]
    assert stacks == [
        "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${ProjectName}-${Environment}-service/*",
        "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${ProjectName}-${PromoteTo}-service/*",
    ]
    deploy = {
        s["Sid"]: s for where, s in policy_statements(load("pipeline")) if where.startswith("DeployRole")
    }
    service_roles = {
        sub_text(r["Properties"]["RoleName"]) for r in resources(load("service"), "AWS::IAM::Role").values()
    }
    created = set()
    for sid in ("CreateServiceRolesWithinBoundary", "CreatePromotedServiceRolesWithinBoundary"):
        created |= {sub_text(r).rsplit(":role/", 1)[1] for r in deploy[sid]["Resource"]}
    lb = deploy["CreateLoadBalancerRoleWithinBoundary"]
    created |= {sub_text(r).rsplit(":role/", 1)[1] for r in unconditional(lb["Resource"])}
    assert {n.replace("${PromoteTo}", "${Environment}") for n in created} == service_roles
    assert sub_text(lb["Condition"]["StringEquals"]["iam:PermissionsBoundary"]).endswith(f"/{LB_POLICY}")
    attach = deploy["AttachOnlyTheLoadBalancerPolicy"]
    assert sub_text(attach["Condition"]["ArnEquals"]["iam:PolicyARN"]).endswith(f"/{LB_POLICY}")
    assert all("ecs-load-balancers" in sub_text(r) for r in unconditional(attach["Resource"]))
    passes = {sid: s for sid, s in deploy.items() if s["Action"] == "iam:PassRole"}
    assert {sid: s["Condition"]["StringEquals"]["iam:PassedToService"] for sid, s in passes.items()} == {
        "PassServiceRolesToEcsTasks": "ecs-tasks.amazonaws.com",
        "PassLoadBalancerRoleToEcs": "ecs.amazonaws.com",
    }


def test_build_and_smoke_never_get_the_serpapi_key() -> None:
    for stack in ("pipeline", "service", "monitoring", "api", "platform", "network"):
        for logical_id, project in resources(load(stack), "AWS::CodeBuild::Project").items():
            if (stack, logical_id) == ("pipeline", "ContractProject"):  # tests/infra/test_contract_stage.py
                continue
            variables = project["Properties"]["Environment"].get("EnvironmentVariables", [])
            kinds = {v.get("Type", "PLAINTEXT") for v in variables}
            assert "SECRETS_MANAGER" not in kinds, f"{stack}/{logical_id} receives a secret"
            names = {v["Name"] for v in variables}
            assert not {n for n in names if "SERPAPI" in n or "SECRET" in n}, logical_id
    for where, statement in policy_statements(load("pipeline")):
        if where.startswith("ContractRole/"):  # the contract check's: tests/infra/test_contract_stage.py
            continue
        actions = [a.lower() for a in as_list(statement["Action"])]
        assert not [a for a in actions if a.startswith("secretsmanager:")], f"pipeline/{where} reads secrets"
    for name in ("buildspec.yml", "buildspecs/smoke.yml"):
        spec = yaml.safe_load((REPO / name).read_text())
        assert "secrets-manager" not in spec.get("env", {}), name
        code = [line for line in (REPO / name).read_text().splitlines() if not line.lstrip().startswith("#")]
        assert not [line for line in code if "SERPAPI" in line or "secretsmanager" in line], name


# ---- A changed SerpAPI key reaches the running tasks ----------------------------------------


def _rendered(stack: str, node: Any) -> Any:
    return _evaluate(stack, node, _param_defaults(stack), _platform_exports())


def _cloudtrail_event(name: str, secret_id: str, *, service_event: bool = False) -> dict[str, Any]:
    detail: dict[str, Any] = {"eventSource": "secretsmanager.amazonaws.com", "eventName": name}
    if service_event:
        detail["additionalEventData"] = {"SecretId": secret_id}
    else:
        detail["requestParameters"] = {"secretId": secret_id}
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "AWS Service Event via CloudTrail" if service_event else "AWS API Call via CloudTrail",
        "source": "aws.secretsmanager",
        "account": ACCOUNT,
        "time": "2026-11-27T12:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def test_a_changed_secret_rolls_the_service() -> None:
    from moto.events.models import EventPattern

    monitoring = resources(load("monitoring"))
    rule = monitoring["SecretChangedRule"]["Properties"]
    pattern = EventPattern.load(json.dumps(_rendered("monitoring", rule["EventPattern"])))
    name = _platform_exports()["sports-api-dev-SerpApiSecretName"]
    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-Ab12Cd"
    assert name == "sports-api/dev/serpapi-api-key"
    for event in (
        _cloudtrail_event("PutSecretValue", name),  # make put-secret, the console
        _cloudtrail_event("PutSecretValue", arn),
        _cloudtrail_event("UpdateSecret", name),
        _cloudtrail_event("UpdateSecretVersionStage", arn),  # a rotation's last step
        _cloudtrail_event("RotationSucceeded", arn, service_event=True),
    ):
        assert pattern.matches_event(event), event["detail"]
    for event in (
        _cloudtrail_event("GetSecretValue", name),  # tasks reading it
        _cloudtrail_event("PutSecretValue", "sports-api/prod/serpapi-api-key"),  # another environment
        _cloudtrail_event("PutSecretValue", name + "-old"),  # a secret sharing the prefix, by name
        _cloudtrail_event("PutSecretValue", f"{arn.rsplit(':', 1)[0]}:{name}2-Ab12Cd"),
        _cloudtrail_event("RotationSucceeded", f"{arn.rsplit(':', 1)[0]}:{name}2-Ab12Cd", service_event=True),
        {
            **_cloudtrail_event("PutSecretValue", name),
            "detail": {**_cloudtrail_event("PutSecretValue", name)["detail"], "errorCode": "AccessDenied"},
        },
    ):
        assert not pattern.matches_event(event), event["detail"]
    # EventBridge cannot say "six more characters" as IAM's -?????? does: the full ARN of a
    # secret named <name>-<more> matches too. Harmless here (one extra release of the same
    # image, no access to anything), unlike a grant, which is why grants end in -??????.
    assert pattern.matches_event(_cloudtrail_event("PutSecretValue", f"{arn[:-7]}-old-Ab12Cd"))
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": "SecretRotationStateMachine"}
    assert target["RoleArn"] == {"Fn::GetAtt": ["SecretChangedEventsRole", "Arn"]}
    # EventBridge may only start that state machine ...
    events_role = [
        s for w, s in policy_statements(load("monitoring")) if w.startswith("SecretChangedEventsRole")
    ]
    assert [(s["Action"], s["Resource"]) for s in events_role] == [
        ("states:StartExecution", {"Ref": "SecretRotationStateMachine"})
    ]
    # ... which makes one AWS SDK call: a new deployment of this environment's service.
    machine = monitoring["SecretRotationStateMachine"]["Properties"]
    definition = json.loads(_rendered("monitoring", machine["DefinitionString"]))
    task = definition["States"][definition["StartAt"]]
    assert task["Type"] == "Task"
    assert task["Resource"] == "arn:aws:states:::aws-sdk:ecs:updateService"
    assert task["Parameters"] == {
        "Cluster": "sports-api-dev",
        "Service": "sports-api-dev",
        "ForceNewDeployment": True,
    }
    assert task["End"] is True
    service_name = sub_text(
        resources(load("service"), "AWS::ECS::Service")["Service"]["Properties"]["ServiceName"]
    )
    assert substitute(service_name) == task["Parameters"]["Service"]
    machine_role = [s for w, s in policy_statements(load("monitoring")) if w.startswith("SecretRotationRole")]
    assert [s["Action"] for s in machine_role] == ["ecs:UpdateService"]
    assert _rendered("monitoring", machine_role[0]["Resource"]) == (
        f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/sports-api-dev/sports-api-dev"
    )
    assert machine["RoleArn"] == {"Fn::GetAtt": ["SecretRotationRole", "Arn"]}


def test_default_names_resolve() -> None:
    """The evaluator above agrees with the tests' default names."""
    assert _param_defaults("service")["Environment"] == DEFAULT_NAMES["Environment"]
    exports = _platform_exports()
    assert exports["sports-api-dev-ListenerArn"].startswith("arn:aws:elasticloadbalancing:")


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_deploy_role_can_manage_the_release_rules_of_each_environment(environment: str) -> None:
    deploy = {s["Sid"]: s for w, s in policy_statements(load("pipeline")) if w.startswith("DeployRole")}
    values = _param_defaults("pipeline", Environment="staging", PromoteTo="prod")
    imports = {**_platform_exports("staging"), **_platform_exports("prod")}
    listener = imports[f"sports-api-{environment}-ListenerArn"]
    create = _evaluate("pipeline", deploy["ListenerRulesCreate"]["Resource"], values, imports)
    assert listener in create
    manage = _evaluate("pipeline", deploy["ListenerRulesManage"]["Resource"], values, imports)
    rule = listener.replace(":listener/", ":listener-rule/") + "/0123456789abcdef"
    assert any(re.fullmatch(re.escape(p).replace(r"\*", "[^/]+"), rule) for p in manage), manage
