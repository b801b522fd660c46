"""What moto_server (5.2.5) needs adapted, applied only when AWS_ENDPOINT_URL is set.

The templates under cloudformation/ are written for AWS and reach an emulator
as they are, except for the rewrites below; each names the moto limitation it
works around. Nothing here runs against AWS.

Templates (`adapt_template`):
- Tags of AWS::KMS::Key and AWS::SSM::Parameter are dropped: moto's
  CloudFormation reads them in another shape than CloudFormation gives and
  fails the stack.
- Ref, Fn::GetAtt and ${...} in Fn::Sub naming a resource of a type moto's
  CloudFormation does not implement (it skips them: API keys, stages, WAF,
  CodePipeline, ...) get a placeholder of the right kind (the resource's
  name). moto resolves them to nothing, drops the outputs that hold them, and
  the next stack's Fn::ImportValue then fails.
- A listener rule's path pattern given as RegexValues becomes Values ["/*"]:
  moto reads only Values (KeyError otherwise); it routes no traffic anyway.

Deploying: CreateStack/UpdateStack instead of change sets (`CHANGE_SETS`):
moto executes a change set without recording the stack's Outputs and Exports.
moto cannot update these stacks in place once a template changes (its
update fails inside moto): on the emulator, delete-stack and deploy again.

Deleting (`prepare_delete`, `finish_delete`): moto's CloudFormation has no
delete for some types. NAT gateways, VPC endpoints, internet gateway
attachments and route tables would make the VPC's deletion fail, so they are
removed before the network stack's; ECS services, task definitions and
clusters, target groups, managed policies and REST APIs stay after their
stack's deletion, so they are removed after it. Both through the services'
own APIs, as CloudFormation on AWS removes them.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

CHANGE_SETS = False
_TAGS_UNREADABLE = {"AWS::KMS::Key", "AWS::SSM::Parameter"}
_RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"


@functools.cache
def _implemented(kind: str) -> bool:
    """Whether moto's CloudFormation creates this type (asked of the installed moto)."""
    try:
        from moto.cloudformation.parsing import resource_class_from_type
    except ImportError:  # another emulator: assume it knows every type
        return True
    logger = logging.getLogger("moto")
    level = logger.level
    logger.setLevel(logging.ERROR)  # it warns for every type it does not know
    try:
        return resource_class_from_type(kind) is not None
    finally:
        logger.setLevel(level)


def _placeholders(resources: dict[str, Any]) -> dict[str, str]:
    """What Ref gives on AWS for each skipped resource, near enough: its name, else the stack's."""
    found = {}
    for logical, resource in resources.items():
        kind = resource.get("Type", "")
        if _implemented(kind):
            continue
        properties = resource.get("Properties") or {}
        name = properties.get("StageName" if kind == "AWS::ApiGateway::Stage" else "Name")
        if isinstance(name, dict) and isinstance(name.get("Fn::Sub"), str):
            name = name["Fn::Sub"]
        elif isinstance(name, dict) and isinstance(name.get("Ref"), str):
            name = f"${{{name['Ref']}}}"
        found[logical] = name if isinstance(name, str) else f"${{AWS::StackName}}-{logical}"
    return found


def _rewrite(node: Any, skipped: dict[str, str]) -> Any:
    if isinstance(node, list):
        return [_rewrite(x, skipped) for x in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in skipped:
        return {"Fn::Sub": skipped[node["Ref"]]}
    if set(node) == {"Fn::GetAtt"}:
        target = node["Fn::GetAtt"]
        logical, attribute = target.split(".", 1) if isinstance(target, str) else target
        if logical in skipped:
            return {"Fn::Sub": f"${{AWS::StackName}}-{logical}-{attribute}"}
        return {"Fn::GetAtt": [logical, attribute]}
    if set(node) == {"Fn::Sub"}:
        value = node["Fn::Sub"]
        text, variables = (value, None) if isinstance(value, str) else value

        def replace(match: re.Match[str]) -> str:
            logical, attribute = match.group(1), match.group(2)
            if logical not in skipped:
                return match.group(0)
            return f"${{AWS::StackName}}-{logical}-{attribute[1:]}" if attribute else skipped[logical]

        text = re.sub(r"\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}", replace, text)
        return {"Fn::Sub": text if variables is None else [text, _rewrite(variables, skipped)]}
    return {k: _rewrite(v, skipped) for k, v in node.items()}


def adapt_template(template: dict[str, Any]) -> str:
    """The template as JSON moto_server can deploy."""
    resources = template.get("Resources") or {}
    for resource in resources.values():
        properties = resource.get("Properties") or {}
        if resource.get("Type") in _TAGS_UNREADABLE:
            properties.pop("Tags", None)
        for condition in properties.get("Conditions") or [] if resource.get("Type") == _RULE else []:
            pattern = condition.get("PathPatternConfig") or {}
            if "RegexValues" in pattern:  # moto reads only Values; it routes nothing anyway
                pattern["Values"] = ["/*"]
                del pattern["RegexValues"]
    return json.dumps(_rewrite(template, _placeholders(resources)), separators=(",", ":"))


def _removers(settings: Any) -> dict[str, Callable[[str], object]]:
    """The types whose resources moto's CloudFormation leaves behind when it deletes their stack."""
    ecs, elb, iam, apigateway = (settings.client(n) for n in ("ecs", "elbv2", "iam", "apigateway"))
    return {
        "AWS::ECS::Service": lambda arn: ecs.delete_service(
            cluster=arn.split("/")[-2], service=arn, force=True
        ),
        "AWS::ECS::TaskDefinition": lambda arn: ecs.deregister_task_definition(taskDefinition=arn),
        "AWS::ECS::Cluster": lambda name: ecs.delete_cluster(cluster=name),
        "AWS::ElasticLoadBalancingV2::TargetGroup": lambda arn: elb.delete_target_group(TargetGroupArn=arn),
        "AWS::IAM::ManagedPolicy": lambda arn: iam.delete_policy(PolicyArn=arn),
        "AWS::ApiGateway::RestApi": lambda api: apigateway.delete_rest_api(restApiId=api),
    }


def prepare_delete(settings: Any, stack_name: str) -> list[tuple[str, str]]:
    """Before a stack's deletion: remove what blocks it, and return its resources (for `finish_delete`).

    Without this the VPC's deletion fails with DependencyViolation, and moto then
    forgets the stack while the VPC stays.
    """
    resources = [
        (r["ResourceType"], r["PhysicalResourceId"])
        for page in settings.cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name)
        for r in page["StackResourceSummaries"]
        if r.get("PhysicalResourceId")
    ]
    ec2, removed = settings.client("ec2"), []
    for vpc in (ident for kind, ident in resources if kind == "AWS::EC2::VPC"):
        where = [{"Name": "vpc-id", "Values": [vpc]}]
        for nat in ec2.describe_nat_gateways(Filters=where)["NatGateways"]:
            ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
            removed.append(nat["NatGatewayId"])
        endpoints = [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints(Filters=where)["VpcEndpoints"]]
        if endpoints:
            ec2.delete_vpc_endpoints(VpcEndpointIds=endpoints)
            removed += endpoints
        attached = [{"Name": "attachment.vpc-id", "Values": [vpc]}]
        for gateway in ec2.describe_internet_gateways(Filters=attached)["InternetGateways"]:
            ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc)
            removed.append(f"{gateway['InternetGatewayId']} attachment")
        for table in ec2.describe_route_tables(Filters=where)["RouteTables"]:
            if not any(a.get("Main") for a in table.get("Associations", [])):
                for association in table.get("Associations", []):
                    ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
                ec2.delete_route_table(RouteTableId=table["RouteTableId"])
                removed.append(table["RouteTableId"])
    if removed:
        print(f"  emulator: removed first, as moto cannot delete them: {', '.join(removed)}")
    return resources


def finish_delete(settings: Any, resources: list[tuple[str, str]]) -> None:
    """After a stack's deletion: what moto left of it. Else a new deploy fails on taken names."""
    removers, removed = _removers(settings), []
    for kind, ident in resources:
        if kind in removers:
            try:
                removers[kind](ident)
                removed.append(ident.rsplit("/", 1)[-1])
            except ClientError:  # already gone
                continue
    if removed:
        print(f"  emulator: removed what moto left of the stack: {', '.join(removed)}")
