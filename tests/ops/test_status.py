"""`make status` against moto_server: service, tasks, targets, alarms and pipeline made through the API."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from ops.status import Status
from ops.ui import Painter

from tests.ops.conftest import Moto, run_make

PROJECT = "status-test"
NAME = f"{PROJECT}-dev"


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


@pytest.fixture(scope="module")
def world(moto: Moto) -> dict[str, Any]:
    session = boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )

    def client(name: str) -> Any:
        return session.client(name, endpoint_url=moto.url)

    ec2, ecs, elb, cw, cp, iam = (
        client(n) for n in ("ec2", "ecs", "elbv2", "cloudwatch", "codepipeline", "iam")
    )
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{n}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"][
            "SubnetId"
        ]
        for n, z in ((1, "a"), (2, "b"))
    ]
    sg = ec2.create_security_group(GroupName=NAME, Description="tasks", VpcId=vpc)["GroupId"]
    lb = elb.create_load_balancer(Name=NAME, Subnets=subnets, Scheme="internal")["LoadBalancers"][0]
    tg = elb.create_target_group(Name=NAME, Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip")[
        "TargetGroups"
    ][0]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    elb.register_targets(
        TargetGroupArn=tg["TargetGroupArn"],
        Targets=[{"Id": "10.30.1.10", "Port": 8000}, {"Id": "10.30.2.11", "Port": 8000}],
    )
    ecs.create_cluster(clusterName=NAME)
    td = ecs.register_task_definition(
        family=NAME,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "api",
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/status-test:abc1234",
                "memory": 512,
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster=NAME,
        serviceName=NAME,
        taskDefinition=td,
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg]}},
        loadBalancers=[
            {"targetGroupArn": tg["TargetGroupArn"], "containerName": "api", "containerPort": 8000}
        ],
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    # moto 5.2 cannot run awsvpc tasks (its ENI lacks private_dns_name): the tasks use bridge mode.
    bridge = ecs.register_task_definition(
        family=f"{NAME}-bridge",
        networkMode="bridge",
        containerDefinitions=[{"name": "api", "image": "x", "memory": 512}],
    )["taskDefinition"]["taskDefinitionArn"]
    tasks = ecs.run_task(
        cluster=NAME, taskDefinition=bridge, launchType="FARGATE", count=2, startedBy="ecs-svc/1"
    )["tasks"]
    ecs.stop_task(
        cluster=NAME, task=tasks[0]["taskArn"], reason="Essential container in task exited: exec format error"
    )
    cw.put_metric_alarm(
        AlarmName=f"{NAME}-api-5xx",
        MetricName="5XXError",
        Namespace="AWS/ApiGateway",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )
    cw.set_alarm_state(
        AlarmName=f"{NAME}-api-5xx",
        StateValue="ALARM",
        StateReason="Threshold Crossed: 1 datapoint [7.0] > 1.0",
    )
    cw.put_metric_alarm(
        AlarmName=f"{NAME}-unhealthy-hosts",
        MetricName="UnHealthyHostCount",
        Namespace="AWS/ApplicationELB",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    role = iam.create_role(
        RoleName=f"{NAME}-pipeline",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "codepipeline.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    action = {"category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection", "version": "1"}
    build = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
    cp.create_pipeline(
        pipeline={
            "name": NAME,
            "roleArn": role,
            "artifactStore": {"type": "S3", "location": f"{NAME}-artifacts"},
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        {"name": "Source", "actionTypeId": action, "outputArtifacts": [{"name": "src"}]}
                    ],
                },
                {
                    "name": "Build",
                    "actions": [
                        {"name": "Build", "actionTypeId": build, "inputArtifacts": [{"name": "src"}]}
                    ],
                },
            ],
        }
    )
    cp.start_pipeline_execution(name=NAME)
    cfn = client("cloudformation")
    outputs_stack(cfn, f"{NAME}-platform", {"ClusterName": NAME, "TargetGroupArn": tg["TargetGroupArn"]})
    outputs_stack(cfn, f"{NAME}-service", {"ServiceName": NAME})
    outputs_stack(cfn, f"{NAME}-pipeline", {"PipelineName": NAME})
    # staging: the pipeline stack exists, its pipeline does not (moto's CloudFormation skips CodePipeline)
    outputs_stack(cfn, f"{PROJECT}-staging-pipeline", {"PipelineName": f"{PROJECT}-staging"})
    return {"stopped": tasks[0]["taskArn"], "running": tasks[1]["taskArn"]}


def test_status_prints_every_section(moto: Moto, world: dict[str, Any]) -> None:
    result = run_make("status", moto.env(PROJECT=PROJECT), timeout=60)
    assert result.returncode == 0, result.stderr
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
    assert (
        f"  task definition {NAME}:1  image 123456789012.dkr.ecr.us-east-1.amazonaws.com/status-test:abc1234"
        in lines
    )
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
    assert any(line.startswith("  10.30.1.10:8000") and "healthy" in line for line in lines)
    assert "    Threshold Crossed: 1 datapoint [7.0] > 1.0" in lines
    assert any(line.startswith(f"  2 alarms named {NAME}*: 1 ALARM, 1 ") for line in lines)


def test_status_degrades_where_there_is_no_data(moto: Moto, world: dict[str, Any]) -> None:
    result = run_make("status", moto.env(PROJECT=PROJECT, ENV="staging"), timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == "Verdict: UNHEALTHY"
    assert "  - the platform stack is not deployed" in lines
    assert any(f"pipeline {PROJECT}-staging not found, though its stack exists" in line for line in lines), (
        result.stdout
    )
    assert f"  stack {PROJECT}-staging-platform not deployed: no cluster" in lines
    assert "  no target group output on the platform stack" in lines
    assert f"  no alarms named {PROJECT}-staging*" in lines


def test_status_without_credentials(moto: Moto) -> None:
    env = moto.env(PROJECT=PROJECT)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    result = run_make("status", env, timeout=60)
    assert result.returncode != 0
    assert "error: no AWS credentials found" in result.stderr and "Traceback" not in result.stderr


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
    return Status.__new__(Status)


def test_failed_action_from_the_action_executions() -> None:
    status = _status()
    status.paint = Painter(False)
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
    lines = status.failed_actions(_Pipeline([{"status": "Succeeded"}, failed], {}), "p", "e")
    assert lines == [
        "  failed: Build/Image: COMMAND_EXECUTION_ERROR: docker build exited 1",
        "          https://console/codebuild/1",
    ]


def test_failed_action_falls_back_to_the_pipeline_state_then_says_why_not() -> None:
    status = _status()
    status.paint = Painter(False)
    state = {
        "stageStates": [
            {
                "stageName": "Deploy",
                "actionStates": [
                    {
                        "actionName": "Service",
                        "latestExecution": {
                            "status": "Failed",
                            "errorDetails": {"message": "Stack UPDATE_ROLLBACK"},
                        },
                    }
                ],
            }
        ]
    }
    lines = status.failed_actions(_Pipeline(_unsupported("ListActionExecutions"), state), "p", "e")
    assert lines == ["  failed: Deploy/Service: Stack UPDATE_ROLLBACK"]
    lines = status.failed_actions(
        _Pipeline(_unsupported("ListActionExecutions"), _unsupported("GetPipelineState")), "p", "e"
    )
    assert lines == [
        "  failed action unknown: ListActionExecutions is not supported by this endpoint (HTTP None)"
    ]
