"""The stacks, their order, and where each template parameter's value comes from.

One table (VARIABLES) maps Make variables to template parameters. A stack gets
only the parameters its template declares; the rest keep their defaults. For a
stack that already exists, a parameter whose variable is not set keeps the
stack's current value (UsePreviousValue): `ALERT_EMAIL` given once stays. The
service stack, which the pipeline deploys, also keeps every other parameter
the pipeline passed it (Cpu, Memory, ...).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import OpsError
from .aws import ARCHITECTURES, Settings, var

ROOT = Path(__file__).resolve().parent.parent

# Deploy order; delete-stack walks it backwards.
ORDER = ("network", "platform", "api", "monitoring", "pipeline", "service")

# CloudFormation's limit for TemplateBody; larger templates would need an S3 upload.
MAX_TEMPLATE_BODY = 51_200


def template_dir() -> Path:
    return Path(var("OPS_TEMPLATE_DIR") or os.environ.get("TEMPLATE_DIR") or ROOT / "cloudformation")


def template_path(key: str, directory: Path | None = None) -> Path:
    return (directory or template_dir()) / f"{key}.yaml"


# -- reading templates (CloudFormation YAML has its own tags) ----------------------------------


class _CfnLoader(yaml.SafeLoader):
    pass


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    return {name: value}


_CfnLoader.add_multi_constructor("!", _any_tag)


class _RawCfnLoader(yaml.BaseLoader):
    """Every scalar as written: a parameter's `Default: true` stays "true", not True."""


_RawCfnLoader.add_multi_constructor("!", _any_tag)


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


@dataclass(frozen=True)
class Variable:
    """A Make variable feeding a template parameter.

    `value` gives the value the operator set (None when unset); `default` the
    value for a stack being created when the variable is unset (None: leave
    the template's default).
    """

    name: str
    parameter: str
    help: str
    value: Callable[[Settings], str | None]
    default: Callable[[Settings], str | None] = field(default=lambda _s: None)
    # Always passed, even to an existing stack: the stack's identity.
    identity: bool = False


def _env_value(name: str, transform: Callable[[str], str] = str) -> Callable[[Settings], str | None]:
    def read(_settings: Settings) -> str | None:
        value = var(name)
        return transform(value) if value is not None else None

    return read


def _arch_value(settings: Settings) -> str | None:
    return ARCHITECTURES[settings.arch] if settings.arch_explicit else None


def _github_repo_default(_settings: Settings) -> str | None:
    """owner/name of the `origin` remote when it is on GitHub."""
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


VARIABLES: tuple[Variable, ...] = (
    Variable("PROJECT", "ProjectName", "name prefix of every resource", lambda s: s.project, identity=True),
    Variable("ENV", "Environment", "dev, staging or prod", lambda s: s.env, identity=True),
    Variable(
        "ARCH",
        "Architecture",
        "amd64 or arm64 (X86_64/ARM64): the image's and the tasks' CPU",
        _arch_value,
        default=lambda s: ARCHITECTURES[s.arch],
    ),
    Variable("IMAGE_URI", "ImageUri", "the image the service runs", _env_value("IMAGE_URI")),
    Variable("ALERT_EMAIL", "AlarmEmail", "where alarms are e-mailed", _env_value("ALERT_EMAIL")),
    Variable(
        "GITHUB_REPO",
        "RepositoryId",
        "owner/name of the GitHub repository the pipeline builds",
        _env_value("GITHUB_REPO"),
        default=_github_repo_default,
    ),
    Variable("GITHUB_BRANCH", "BranchName", "the branch the pipeline builds", _env_value("GITHUB_BRANCH")),
    Variable(
        "CONNECTION_ARN",
        "ConnectionArn",
        "an existing CodeConnections connection to GitHub (empty: the stack creates one)",
        _env_value("CONNECTION_ARN"),
    ),
)

# Stacks whose other parameters the pipeline sets (its CloudFormation deploy action):
# an update from here keeps them.
PIPELINE_OWNED = frozenset({"service"})

# Parameters the tooling computes rather than reads from a variable.
COMPUTED_PARAMETERS = ("DeploymentRevision",)


def revision(path: Path) -> str:
    """A short hash of the API template: a new value makes the API stack deploy the stage again."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


# -- resolving a stack's parameters -------------------------------------------------------------


@dataclass
class Plan:
    key: str
    name: str
    path: Path
    body: str
    parameters: list[dict[str, Any]]
    missing: list[str]  # messages: required parameters nobody supplies

    @property
    def values(self) -> dict[str, str]:
        return {p["ParameterKey"]: p.get("ParameterValue", "(previous)") for p in self.parameters}


def resolve_parameters(
    key: str,
    template: Mapping[str, Any],
    settings: Settings,
    existing: Mapping[str, str] | None,
    path: Path,
) -> tuple[list[dict[str, Any]], list[str]]:
    """CloudFormation `Parameters` for one stack, and what is missing.

    `existing` is the stack's current parameters (None for a new stack).
    """
    declared = declared_parameters(template)
    by_parameter = {v.parameter: v for v in VARIABLES}
    result: list[dict[str, Any]] = []
    missing: list[str] = []
    for name, spec in declared.items():
        spec = spec or {}
        has_default = "Default" in spec
        value: str | None = None
        if name == "DeploymentRevision":
            value = revision(path)
        elif name in by_parameter:
            variable = by_parameter[name]
            value = variable.value(settings)
            if value is None and existing is not None and name in existing and not variable.identity:
                result.append({"ParameterKey": name, "UsePreviousValue": True})
                continue
            if value is None and existing is None:
                value = variable.default(settings)
        if value is not None:
            result.append({"ParameterKey": name, "ParameterValue": value})
        elif existing is not None and name in existing and (not has_default or key in PIPELINE_OWNED):
            # Keep what the pipeline set, or what a required parameter holds.
            result.append({"ParameterKey": name, "UsePreviousValue": True})
        elif existing is not None and has_default:
            # Elsewhere a parameter no variable feeds takes the template's default, so a
            # changed default applies. When the stack already holds the default, say
            # UsePreviousValue: the same on AWS, and an emulator that types Number
            # parameters then sees an unchanged stack as unchanged.
            default = str(spec["Default"])
            if existing.get(name) == default:
                result.append({"ParameterKey": name, "UsePreviousValue": True})
            else:
                result.append({"ParameterKey": name, "ParameterValue": default})
        elif not has_default:
            variable = by_parameter.get(name)
            if variable:
                missing.append(f"{path.name} needs {name}: set {variable.name}= ({variable.help})")
            else:
                missing.append(
                    f"{path.name} declares {name} without a default and no variable feeds it "
                    "(add it to VARIABLES in ops/stacks.py)"
                )
    return result, missing


def plan(
    key: str, settings: Settings, existing: Mapping[str, str] | None, directory: Path | None = None
) -> Plan:
    path = template_path(key, directory)
    if not path.exists():
        raise OpsError(f"no template {path}")
    body = path.read_text()
    if len(body.encode()) > MAX_TEMPLATE_BODY:
        raise OpsError(
            f"{path} is {len(body.encode())} bytes, over CloudFormation's {MAX_TEMPLATE_BODY} "
            "for an inline template: shorten it or split the stack"
        )
    parameters, missing = resolve_parameters(key, load_template(path, raw=True), settings, existing, path)
    return Plan(key, settings.stack_name(key), path, body, parameters, missing)
