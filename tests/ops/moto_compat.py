"""Rewrite the real templates around moto 5.2.5's CloudFormation bugs, for the deploy test only.

Each rewrite names the moto gap it works around; everything else in the
templates reaches moto as written. The rewritten templates are JSON (which is
YAML), so the tooling reads their Parameters as usual.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
import re
from pathlib import Path
from typing import Any

from moto.cloudformation.parsing import resource_class_from_type
from ops.stacks import load_template

# GetAtt attributes moto's resources cannot answer (no get_cfn_attribute on the model),
# replaced by a value of the right shape.
_ATTRIBUTES = {
    (
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "TargetGroupFullName",
    ): "targetgroup/${AWS::StackName}/0123456789abcdef",
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupName"): "${AWS::StackName}",
}


# Types whose Tags moto's CloudFormation cannot read.
_TAG_BUGS = {
    "AWS::KMS::Key": "moto reads TagKey/TagValue, CloudFormation gives Key/Value",
    "AWS::SSM::Parameter": "CloudFormation gives a map, moto wants a list",
}


def _cidr(args: list[Any], parameters: dict[str, Any]) -> list[str]:
    """Fn::Cidr, which moto does not implement (its Fn::Select then fails with KeyError 0)."""
    block, count, bits = args
    if isinstance(block, dict) and "Ref" in block:
        block = parameters[block["Ref"]]["Default"]
    network = ipaddress.ip_network(block)
    return [str(n) for n in network.subnets(new_prefix=network.max_prefixlen - int(bits))][: int(count)]


def _skipped(template: dict[str, Any]) -> dict[str, Any]:
    """What Ref gives for each resource of a type moto skips (moto gives None; exports then vanish).

    A stage's Ref is its StageName, most named resources' their Name; the others get
    a placeholder of the stack's name.
    """
    found: dict[str, Any] = {}
    for logical, resource in (template.get("Resources") or {}).items():
        kind = resource.get("Type", "")
        if _moto_knows(kind):
            continue
        properties = resource.get("Properties") or {}
        name = properties.get("StageName" if kind == "AWS::ApiGateway::Stage" else "Name")
        if isinstance(name, str):
            name = {"Fn::Sub": name}
        found[logical] = name if isinstance(name, dict) else {"Fn::Sub": f"${{AWS::StackName}}-{logical}"}
    return found


def _sub(text: str, skipped: dict[str, Any]) -> str:
    """${Skipped} and ${Skipped.Attribute} inside Fn::Sub, as for Ref and GetAtt."""

    def replace(match: re.Match[str]) -> str:
        logical, attribute = match.group(1), match.group(2)
        if logical not in skipped:
            return match.group(0)
        if attribute:
            return f"${{AWS::StackName}}-{logical}-{attribute[1:]}"
        value = skipped[logical]
        if "Ref" in value:
            return f"${{{value['Ref']}}}"
        inner = value["Fn::Sub"]
        return inner if isinstance(inner, str) else match.group(0)

    return re.sub(r"\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}", replace, text)


@functools.cache
def _moto_knows(kind: str) -> bool:
    logger = logging.getLogger("moto.cloudformation.parsing")
    level = logger.level
    logger.setLevel(logging.ERROR)  # it warns for every type it does not know
    try:
        return resource_class_from_type(kind) is not None
    finally:
        logger.setLevel(level)


def _walk(node: Any, template: dict[str, Any], notes: set[str]) -> Any:
    skipped = template.setdefault("__skipped__", _skipped(template))
    if isinstance(node, list):
        return [_walk(x, template, notes) for x in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in skipped:
        notes.add("Ref to a type moto skips replaced (moto would export nothing)")
        return skipped[node["Ref"]]
    if set(node) == {"Fn::Sub"}:
        value = node["Fn::Sub"]
        if isinstance(value, str):
            return {"Fn::Sub": _sub(value, skipped)}
        return {"Fn::Sub": [_sub(value[0], skipped), _walk(value[1], template, notes)]}
    if set(node) == {"Fn::Cidr"}:
        notes.add("Fn::Cidr resolved locally (moto has no Fn::Cidr)")
        return _cidr(_walk(node["Fn::Cidr"], template, notes), template.get("Parameters") or {})
    if set(node) == {"Fn::GetAtt"}:
        target = node["Fn::GetAtt"]
        logical, attribute = target.split(".", 1) if isinstance(target, str) else target
        kind = template.get("Resources", {}).get(logical, {}).get("Type")
        if (kind, attribute) in _ATTRIBUTES:
            notes.add(f"GetAtt {kind}.{attribute} replaced (moto cannot answer it)")
            return {"Fn::Sub": _ATTRIBUTES[(kind, attribute)]}
        if kind and not _moto_knows(kind):
            # moto skips the type, then crashes validating an Output that reads its attribute
            notes.add(f"GetAtt on {kind} replaced (a type moto skips)")
            return {"Fn::Sub": f"${{AWS::StackName}}-{logical}-{attribute}"}
        return {"Fn::GetAtt": [logical, attribute]}
    return {k: _walk(v, template, notes) for k, v in node.items()}


def rewrite(source: Path, target: Path) -> list[str]:
    """Write moto-compatible copies of source/*.yaml into target; returns what was changed."""
    notes: set[str] = set()
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.yaml")):
        template = load_template(path)
        for resource in template.get("Resources", {}).values():
            kind, properties = resource.get("Type"), resource.get("Properties") or {}
            if kind in _TAG_BUGS and "Tags" in properties:
                properties.pop("Tags")
                notes.add(f"{kind} Tags dropped ({_TAG_BUGS[kind]})")
        rewritten = _walk(template, template, notes)
        rewritten.pop("__skipped__", None)
        (target / path.name).write_text(json.dumps(rewritten, indent=1))
    return sorted(notes)
