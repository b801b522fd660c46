"""Shared helpers for the infrastructure tests: paths, template loading, walkers."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import cfnlint.decode

REPO = Path(__file__).resolve().parents[2]
CFN_DIR = REPO / "cloudformation"
TASKCAT_TEMPLATE = REPO / "tests" / "infra" / "taskcat" / "stacks.yaml"

# Deploy order, as the operator tooling runs it: each stack may import only
# from the ones before it.
STACKS = ("network", "platform", "api", "monitoring", "pipeline", "service")

# What a stack's parameters resolve to when nothing is passed: names in the
# tests are compared with these substituted.
DEFAULT_NAMES = {"ProjectName": "sports-api", "Environment": "dev"}

# Per-environment template configurations of the service stack (the pipeline's
# deploy actions pass cloudformation/environments/<env>.json).
ENVIRONMENTS_DIR = CFN_DIR / "environments"

# Resource types whose definitions shape what an API Gateway deployment
# snapshots; a change to any of them needs a new Deployment.
API_SHAPING_TYPES = (
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGateway::Model",
    "AWS::ApiGateway::RequestValidator",
    "AWS::ApiGateway::Authorizer",
)


def template_path(stack: str) -> Path:
    return CFN_DIR / f"{stack}.yaml"


@cache
def load(stack: str) -> dict[str, Any]:
    return load_path(template_path(stack))


def load_path(path: Path) -> dict[str, Any]:
    template, matches = cfnlint.decode.decode_str(path.read_text())
    assert not matches, f"{path.name} does not parse: {matches}"
    return template


def resources(template: dict[str, Any], type_: str | None = None) -> dict[str, dict[str, Any]]:
    found = template.get("Resources", {})
    return {k: v for k, v in found.items() if type_ is None or v["Type"] == type_}


def walk(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every (path, value) pair below node, node included."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def sub_text(value: Any) -> str | None:
    """The string of a plain string or a `!Sub` (either form); None otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return None


def substitute(text: str, values: dict[str, str] | None = None) -> str:
    """Replace ${Name} placeholders (defaults for the naming parameters)."""
    values = {**DEFAULT_NAMES, **(values or {})}
    return re.sub(r"\$\{([^}!]+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def imports(template: dict[str, Any]) -> list[tuple[tuple, str]]:
    """(path, export-name pattern) of every Fn::ImportValue."""
    found = []
    for path, node in walk(template.get("Resources", {})):
        if isinstance(node, dict) and set(node) == {"Fn::ImportValue"}:
            name = sub_text(node["Fn::ImportValue"])
            assert name is not None, f"ImportValue at {path} is not a literal or !Sub name"
            found.append((path, name))
    for path, node in walk(template.get("Outputs", {})):
        if isinstance(node, dict) and set(node) == {"Fn::ImportValue"}:
            found.append((("Outputs", *path), sub_text(node["Fn::ImportValue"]) or ""))
    return found


def exports(template: dict[str, Any]) -> dict[str, str]:
    """Export-name pattern -> output logical id."""
    found = {}
    for logical_id, output in template.get("Outputs", {}).items():
        if "Export" in output:
            found[sub_text(output["Export"]["Name"])] = logical_id
    return found


def unconditional(items: list[Any]) -> Iterator[Any]:
    """A list's items with each `Fn::If` item taken as both of its branches (never NoValue)."""
    for item in items:
        if isinstance(item, dict) and set(item) == {"Fn::If"}:
            yield from unconditional([b for b in item["Fn::If"][1:] if b != {"Ref": "AWS::NoValue"}])
        else:
            yield item


def policy_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, statement) for every identity-based IAM policy statement, conditional ones too."""
    for logical_id, resource in resources(template).items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for statement in unconditional(policy["PolicyDocument"]["Statement"]):
                    yield f"{logical_id}/{policy['PolicyName']}", statement
        elif resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            for statement in unconditional(props["PolicyDocument"]["Statement"]):
                yield logical_id, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def api_revision(template: dict[str, Any]) -> str:
    """Content hash of every resource that shapes the REST API (8 hex digits)."""
    shaping = {
        logical_id: resource
        for logical_id, resource in sorted(resources(template).items())
        if resource["Type"] in API_SHAPING_TYPES
    }
    canonical = json.dumps(shaping, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:8]


_ROOT = {"Fn::GetAtt": ["RestApi", "RootResourceId"]}


def gateway_method(path: str, verb: str, stack: str = "api") -> tuple[str, dict[str, Any]] | None:
    """The method API Gateway runs for `verb path` (logical id, properties), or None: its 403.

    As API Gateway routes: at each level a literal path part first, then a `{name}`
    variable, then the greedy `{proxy+}`, which takes the rest; then the verb, or ANY.
    """
    api = load(stack)
    children: dict[str | None, dict[str, str]] = {}
    for logical_id, resource in resources(api, "AWS::ApiGateway::Resource").items():
        props = resource["Properties"]
        parent = None if props["ParentId"] == _ROOT else props["ParentId"]["Ref"]
        children.setdefault(parent, {})[props["PathPart"]] = logical_id
    node: str | None = None
    for part in [part for part in path.split("/") if part]:
        here = children.get(node, {})
        variable = [name for name in here if name.startswith("{") and not name.endswith("+}")]
        if part in here:
            node = here[part]
        elif variable:
            node = here[variable[0]]
        elif "{proxy+}" in here:
            node = here["{proxy+}"]
            break
        else:
            return None
    target = node or "/"
    by_verb: dict[str, tuple[str, dict[str, Any]]] = {}
    for logical_id, method in resources(api, "AWS::ApiGateway::Method").items():
        props = method["Properties"]
        if ("/" if props["ResourceId"] == _ROOT else props["ResourceId"]["Ref"]) == target:
            by_verb[props["HttpMethod"]] = (logical_id, props)
    return by_verb.get(verb) or by_verb.get("ANY")
