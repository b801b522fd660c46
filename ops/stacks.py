"""The stacks, their order, their templates, and where each template parameter's value comes from.

One table (VARIABLES) maps template parameters to Make variables. A stack gets
only the parameters its template declares; the rest keep their defaults. For a
stack that already exists, a parameter whose variable is not set keeps the
stack's current value (UsePreviousValue): `ALERT_EMAIL` given once stays. The
service stack, which the pipeline deploys, also keeps every other parameter
the pipeline passed it (Cpu, Memory, ...).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import OpsError
from .settings import ARCHITECTURES, Settings, machine_arch
from .upload import MAX_TEMPLATE_URL

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "cloudformation"

# Deploy order; delete-stack walks it backwards.
ORDER = ("network", "platform", "api", "monitoring", "pipeline", "service")

# CloudFormation's limit for TemplateBody. The stacks deployed before the platform
# stack's template bucket exists go inline and must fit it; every later one is
# uploaded there and sent by TemplateURL (ops/upload.py, up to MAX_TEMPLATE_URL).
MAX_TEMPLATE_BODY = 51_200
INLINE = frozenset({"network", "platform"})


# -- reading templates (CloudFormation YAML has its own tags) ----------------------------------


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    return {name: value}


class _CfnLoader(yaml.SafeLoader):
    """Numbers and booleans typed: the template as the emulator gets it, in JSON."""


class _RawCfnLoader(yaml.BaseLoader):
    """Every scalar as written: a parameter's `Default: true` stays "true", not True."""


for _loader in (_CfnLoader, _RawCfnLoader):
    _loader.add_multi_constructor("!", _any_tag)


def load_template(path: Path, raw: bool = False) -> dict[str, Any]:
    loader = _RawCfnLoader if raw else _CfnLoader
    try:
        data = yaml.load(path.read_text(), Loader=loader)  # noqa: S506 - safe loaders
    except yaml.YAMLError as exc:
        raise OpsError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise OpsError(f"{path}: not a CloudFormation template")
    return data


def declared_parameters(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(template.get("Parameters") or {})


# -- where values come from --------------------------------------------------------------------

# Template parameter -> the Make variable that feeds it (the Settings field of that name).
VARIABLES = {
    "ProjectName": "PROJECT",
    "Environment": "ENV",
    "Architecture": "ARCH",
    "ImageUri": "IMAGE_URI",
    "AlarmEmail": "ALERT_EMAIL",
    "RepositoryId": "GITHUB_REPO",
    "BranchName": "GITHUB_BRANCH",
    "ConnectionArn": "CONNECTION_ARN",
}
# Stacks whose other parameters the pipeline sets (its CloudFormation deploy action):
# an update from here keeps them.
PIPELINE_OWNED = frozenset({"service"})


def _given(settings: Settings, parameter: str) -> str | None:
    value = getattr(settings, VARIABLES[parameter].lower())
    return ARCHITECTURES[value] if parameter == "Architecture" and value else value


def _new_stack_default(parameter: str) -> str | None:
    """For a stack being created, when the variable is unset: this machine's CPU, the origin remote."""
    if parameter == "Architecture":
        return ARCHITECTURES[machine_arch()]
    if parameter != "RepositoryId":
        return None
    try:
        url = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"github\.com[:/]([^/]+/[^/]+?)(?:\.git)?/?$", url)
    return match.group(1) if match else None


# -- resolving a stack's parameters -------------------------------------------------------------


@dataclass
class Plan:
    name: str
    path: Path
    body: str
    parameters: list[dict[str, Any]]
    missing: list[str]  # messages: required parameters nobody supplies
    inline: bool = True  # TemplateBody; False: uploaded, then sent by TemplateURL

    @property
    def values(self) -> dict[str, str]:
        return {p["ParameterKey"]: p.get("ParameterValue", "(previous)") for p in self.parameters}


def resolve_parameters(
    key: str, template: Mapping[str, Any], settings: Settings, existing: Mapping[str, str] | None, path: Path
) -> tuple[list[dict[str, Any]], list[str]]:
    """CloudFormation `Parameters` for one stack, and what is missing.

    `existing` is the stack's current parameters (None for a new stack). A parameter
    no variable sets keeps its value on an existing stack when the pipeline owns the
    stack or the template gives no default; elsewhere it takes the template's default,
    so a changed default applies (said as UsePreviousValue when the stack already holds
    it: the same on AWS, and an emulator that types Number parameters sees no change).
    """
    result: list[dict[str, Any]] = []
    missing: list[str] = []
    for name, spec in declared_parameters(template).items():
        default = str(spec["Default"]) if "Default" in (spec or {}) else None
        fed = name in VARIABLES
        value = _given(settings, name) if fed else None
        if value is None and fed and existing is None:
            value = _new_stack_default(name)
        if value is not None:
            result.append({"ParameterKey": name, "ParameterValue": value})
        elif (
            existing is not None
            and name in existing
            and (fed or default is None or key in PIPELINE_OWNED or existing[name] == default)
        ):
            result.append({"ParameterKey": name, "UsePreviousValue": True})
        elif existing is not None and default is not None:
            result.append({"ParameterKey": name, "ParameterValue": default})
        elif default is None:
            feed = (
                f"set {VARIABLES[name]}=" if fed else "no variable feeds it (see VARIABLES in ops/stacks.py)"
            )
            missing.append(f"{path.name} needs {name}: {feed}")
    return result, missing


def plan(key: str, settings: Settings, existing: Mapping[str, str] | None, path: Path | None = None) -> Plan:
    path = path or TEMPLATES / f"{key}.yaml"
    if not path.exists():
        raise OpsError(f"no template {path}")
    body = path.read_text()
    if settings.endpoint:
        from .emulator import adapt_template

        body = adapt_template(load_template(path))
    check_size(key, path, body)
    parameters, missing = resolve_parameters(key, load_template(path, raw=True), settings, existing, path)
    return Plan(settings.stack_name(key), path, body, parameters, missing, inline=key in INLINE)


def check_size(key: str, path: Path, body: str) -> None:
    """Refuse a template CloudFormation would refuse, the way `make deploy-stack` sends it."""
    size = len(body.encode())
    if key in INLINE and size > MAX_TEMPLATE_BODY:
        raise OpsError(
            f"{path} is {size} bytes, over CloudFormation's {MAX_TEMPLATE_BODY} for an inline "
            "template: it is deployed before the template bucket exists, so shorten it or split the stack"
        )
    if size > MAX_TEMPLATE_URL:
        raise OpsError(f"{path} is {size} bytes, over CloudFormation's {MAX_TEMPLATE_URL} from S3")
