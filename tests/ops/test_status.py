"""`make status` against moto_server: service, tasks, targets, alarms and pipeline made through the API.

The exit status is the verdict: 0 healthy, 1 unhealthy, 2 unknown. Make turns
any failing recipe into its own status 2, so the codes are checked on
`python -m ops status` and make's on zero or not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from ops.status import Status
from ops.ui import Painter

from tests.ops.conftest import ROOT, run_make
from tests.servers import Moto, moto_server

PROJECT = "status-test"
NAME = f"{PROJECT}-dev"
ASSUME = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codepipeline.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
}


def outputs_stack(cfn: Any, name: str, outputs: dict[str, str]) -> None:
    """A stack that only carries outputs, standing in for one the templates would create."""
    template = {
        "Resources": {
            "Marker": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": "x", "Name": f"/{name}"},
            }
        },
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))


def make_world(moto: Moto, failing: bool) -> dict[str, Any]:
    """The service of status-test-dev with its cluster, targets, pipeline and alarms.

    failing: a task stopped with exec format error and an alarm firing; the service's
    running count is what moto_server was started with (MOTO_ECS_SERVICE_RUNNING).
    """
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    ec2, ecs, elb, cw, cp, iam, cfn = (
        session.client(n, endpoint_url=moto.url)
        for n in ("ec2", "ecs", "elbv2", "cloudwatch", "codepipeline", "iam", "cloudformation")
    )
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{n}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]
        for n, z in ((1, "a"), (2, "b"))
    ]
    subnet_ids = [s["SubnetId"] for s in subnets]
    sg = ec2.create_security_group(GroupName=NAME, Description="tasks", VpcId=vpc)["GroupId"]
    lb = elb.create_load_balancer(Name=NAME, Subnets=subnet_ids, Scheme="internal")["LoadBalancers"][0]
    tg = elb.create_target_group(Name=NAME, Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": tg_arn}]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=forward
    )
    elb.register_targets(
        TargetGroupArn=tg_arn,
        Targets=[{"Id": "10.30.1.10", "Port": 8080}, {"Id": "10.30.2.11", "Port": 8080}],
    )
    ecs.create_cluster(clusterName=NAME)
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/status-test:abc1234"
    td = ecs.register_task_definition(
        family=NAME,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "api", "image": image, "memory": 512}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster=NAME,
        serviceName=NAME,
        taskDefinition=td,
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnet_ids, "securityGroups": [sg]}},
        loadBalancers=[{"targetGroupArn": tg_arn, "containerName": "api", "containerPort": 8080}],
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    world: dict[str, Any] = {}
    if failing:
        # moto 5.2 cannot run awsvpc tasks (its ENI lacks private_dns_name): the tasks use bridge mode.
        bridge = ecs.register_task_definition(
            family=f"{NAME}-bridge",
            networkMode="bridge",
            containerDefinitions=[{"name": "api", "image": "x", "memory": 512}],
        )["taskDefinition"]["taskDefinitionArn"]
        tasks = ecs.run_task(
            cluster=NAME, taskDefinition=bridge, launchType="FARGATE", count=2, startedBy="ecs-svc/1"
        )["tasks"]
        reason = "Essential container in task exited: exec format error"
        ecs.stop_task(cluster=NAME, task=tasks[0]["taskArn"], reason=reason)
        world = {"stopped": tasks[0]["taskArn"], "running": tasks[1]["taskArn"]}
    for alarm, firing in ((f"{NAME}-api-5xx", failing), (f"{NAME}-unhealthy-hosts", False)):
        cw.put_metric_alarm(
            AlarmName=alarm,
            MetricName="5XXError",
            Namespace="AWS/ApiGateway",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
        )
        state = ("ALARM", "Threshold Crossed: 1 datapoint [7.0] > 1.0") if firing else ("OK", "fine")
        cw.set_alarm_state(AlarmName=alarm, StateValue=state[0], StateReason=state[1])
    role = iam.create_role(RoleName=f"{NAME}-pipeline", AssumeRolePolicyDocument=json.dumps(ASSUME))["Role"]
    source = {"category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection", "version": "1"}
    build = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
    cp.create_pipeline(
        pipeline={
            "name": NAME,
            "roleArn": role["Arn"],
            "artifactStore": {"type": "S3", "location": f"{NAME}-artifacts"},
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        {"name": "Source", "actionTypeId": source, "outputArtifacts": [{"name": "s"}]}
                    ],
                },
                {
                    "name": "Build",
                    "actions": [{"name": "Build", "actionTypeId": build, "inputArtifacts": [{"name": "s"}]}],
                },
            ],
        }
    )
    cp.start_pipeline_execution(name=NAME)
    outputs_stack(cfn, f"{NAME}-platform", {"ClusterName": NAME, "TargetGroupArn": tg_arn})
    outputs_stack(cfn, f"{NAME}-service", {"ServiceName": NAME})
    outputs_stack(cfn, f"{NAME}-pipeline", {"PipelineName": NAME})
    # staging: the pipeline stack exists, its pipeline does not (moto's CloudFormation skips CodePipeline)
    outputs_stack(cfn, f"{PROJECT}-staging-pipeline", {"PipelineName": f"{PROJECT}-staging"})
    return world


@pytest.fixture(scope="module")
def world(moto: Moto) -> dict[str, Any]:
    return make_world(moto, failing=True)


@pytest.fixture(scope="module")
def healthy() -> Iterator[Moto]:
    """Its own moto_server, whose ECS services report all their tasks running."""
    with moto_server("moto_server_healthy", MOTO_ECS_SERVICE_RUNNING="2") as server:
        make_world(server, failing=False)
        yield server


def ops_status(moto: Moto, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m ops status` itself: its exit status is the verdict's (make's is 0 or 2)."""
    command = [sys.executable, "-m", "ops", "status", "--project", PROJECT, *args]
    environment = moto.env(**env)
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=False
    )


def test_unhealthy_prints_every_section_and_exits_1(moto: Moto, world: dict[str, Any]) -> None:
    result = ops_status(moto)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "\033[" not in out
    lines = out.splitlines()
    assert lines[0].startswith(f"{NAME}  us-east-1")
    assert lines[1] == "Verdict: UNHEALTHY"
    assert "  - 0 of 2 tasks running" in lines
    assert f"  - alarm {NAME}-api-5xx is firing" in lines
    assert any(line.startswith("  - a deployment is in progress") for line in lines)
    # the pipeline: its executions (moto's finish at once, Succeeded)
    assert f"Pipeline {NAME}" in lines
    assert any(line.startswith("  Succeeded ") and "StartPipelineExecution" in line for line in lines)
    # the service: counts, task definition and image, circuit breaker, deployment state
    assert f"Service {NAME} (cluster {NAME})" in lines
    assert "  ACTIVE  running 0 / desired 2 / pending 2" in lines
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/status-test:abc1234"
    assert f"  task definition {NAME}:1  image {image}" in lines
    assert "  circuit breaker: not configured" in lines  # moto 5.2 drops deploymentConfiguration
    assert any(line.startswith("  deployment PRIMARY  IN_PROGRESS") for line in lines)
    # events: moto records none
    assert "Service events, newest first" in lines and "  no events" in lines
    # tasks: running and stopped, with the stop reason and exit codes
    assert any(line.startswith("  running (1):") for line in lines)
    assert any(line.startswith(f"    {world['running'].rsplit('/', 1)[-1][:8]}") for line in lines)
    assert "      Essential container in task exited: exec format error" in lines
    assert "      container api: exit code 0" in lines
    # targets and alarms
    assert f"Targets {NAME}" in lines
    assert any(line.startswith("  10.30.1.10:8080") and "healthy" in line for line in lines)
    assert "    Threshold Crossed: 1 datapoint [7.0] > 1.0" in lines
    assert any(line.startswith(f"  2 alarms named {NAME}*: 1 ALARM, 1 OK") for line in lines)
    made = run_make("status", moto.env(PROJECT=PROJECT), timeout=60)
    assert made.returncode != 0 and made.stdout.splitlines()[1] == "Verdict: UNHEALTHY"


def test_json_gives_the_verdict_and_reasons(moto: Moto, world: dict[str, Any]) -> None:
    result = ops_status(moto, "--format", "json")
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["verdict"] == "UNHEALTHY" and summary["stacks"] == NAME
    assert "0 of 2 tasks running" in summary["problems"]
    assert f"alarm {NAME}-api-5xx is firing" in summary["problems"]


def test_healthy_exits_0(healthy: Moto) -> None:
    result = ops_status(healthy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[1] == "Verdict: HEALTHY"
    assert "  ACTIVE  running 2 / desired 2 / pending 0" in result.stdout
    assert "  - " not in result.stdout
    summary = json.loads(ops_status(healthy, "--format", "json").stdout)
    assert summary["verdict"] == "HEALTHY" and summary["problems"] == []
    assert run_make("status", healthy.env(PROJECT=PROJECT), timeout=60).returncode == 0


def test_without_the_stacks_the_verdict_is_unknown(moto: Moto, world: dict[str, Any]) -> None:
    result = ops_status(moto, "--env", "staging")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == "Verdict: UNKNOWN"
    assert f"  ? stack {PROJECT}-staging-platform not deployed" in lines
    assert any(f"pipeline {PROJECT}-staging not found, though its stack exists" in line for line in lines)
    assert "  no target group output on the platform stack" in lines
    assert f"  no alarms named {PROJECT}-staging*" in lines


def test_without_credentials_the_verdict_is_unknown(moto: Moto) -> None:
    env = moto.env()
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    command = [sys.executable, "-m", "ops", "status", "--project", PROJECT, "--format", "json"]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "error: no AWS credentials found" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["verdict"] == "UNKNOWN"


# -- the failed action's message, which moto cannot produce ------------------------------------------


class _Pipeline:
    def __init__(self, actions: Exception | list[dict[str, Any]], state: Exception | dict[str, Any]) -> None:
        self.actions, self.state = actions, state

    def list_action_executions(self, **_: Any) -> dict[str, Any]:
        if isinstance(self.actions, Exception):
            raise self.actions
        return {"actionExecutionDetails": self.actions}

    def get_pipeline_state(self, **_: Any) -> dict[str, Any]:
        if isinstance(self.state, Exception):
            raise self.state
        return self.state


def _unsupported(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "500", "Message": "<!doctype html><html>500</html>"}}, operation)


def _status() -> Status:
    status = Status.__new__(Status)
    status.paint = Painter(False)
    return status


def test_failed_action_from_the_action_executions() -> None:
    failed = {
        "stageName": "Build",
        "actionName": "Image",
        "status": "Failed",
        "output": {
            "executionResult": {
                "externalExecutionSummary": "Build failed",
                "errorDetails": {"message": "COMMAND_EXECUTION_ERROR: docker build exited 1"},
                "externalExecutionUrl": "https://console/codebuild/1",
            }
        },
    }
    lines = _status().failed_actions(_Pipeline([{"status": "Succeeded"}, failed], {}), "p", "e")
    assert lines == [
        "  failed: Build/Image: COMMAND_EXECUTION_ERROR: docker build exited 1",
        "          https://console/codebuild/1",
    ]


def test_failed_action_falls_back_to_the_pipeline_state_then_says_why_not() -> None:
    failing = {"status": "Failed", "errorDetails": {"message": "Stack UPDATE_ROLLBACK"}}
    deploy = {"stageName": "Deploy", "actionStates": [{"actionName": "Service", "latestExecution": failing}]}
    state = {"stageStates": [deploy]}
    lines = _status().failed_actions(_Pipeline(_unsupported("ListActionExecutions"), state), "p", "e")
    assert lines == ["  failed: Deploy/Service: Stack UPDATE_ROLLBACK"]
    neither = _Pipeline(_unsupported("ListActionExecutions"), _unsupported("GetPipelineState"))
    assert _status().failed_actions(neither, "p", "e") == [
        "  failed action unknown: ListActionExecutions is not supported by this endpoint (HTTP None)"
    ]
