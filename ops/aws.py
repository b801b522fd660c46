"""Settings from the environment, the boto3 session, and the stacks' names and outputs.

The Make variables arrive as environment variables. mk/aws.mk also exports an
`OPS_<NAME>` copy of each holding the value as typed, before Make expands `$`
(a CloudWatch pattern such as `{ $.status >= 500 }` would otherwise lose its
`$.`); that copy wins when set.
"""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from . import OpsError

ENVIRONMENTS = ("dev", "staging", "prod")
ARCHITECTURES = {"amd64": "X86_64", "arm64": "ARM64"}
_ARCH_ALIASES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
_PROJECT = re.compile(r"[a-z][a-z0-9-]{1,30}")


def var(name: str, default: str | None = None) -> str | None:
    """A setting: `OPS_<NAME>` (raw copy from Make), else `<NAME>`, else default; blank is unset."""
    for key in (f"OPS_{name}", name):
        value = os.environ.get(key, "").strip()
        if value:
            return value
    return default


def flag(name: str, default: bool) -> bool:
    value = var(name)
    if value is None:
        return default
    return value.lower() not in ("0", "false", "no", "off")


def machine_arch() -> str:
    return _ARCH_ALIASES.get(platform.machine().lower(), "amd64")


def normalise_arch(value: str) -> str:
    arch = _ARCH_ALIASES.get(value.lower())
    if arch is None:
        raise OpsError(f"ARCH={value} is not an architecture this project builds: use amd64 or arm64")
    return arch


@dataclass
class Settings:
    project: str
    env: str
    profile: str | None
    region_setting: str | None
    arch: str
    arch_explicit: bool
    endpoint: str | None

    @classmethod
    def from_env(cls) -> Settings:
        project = var("PROJECT", "sports-api") or "sports-api"
        if not _PROJECT.fullmatch(project):
            raise OpsError(f"PROJECT={project} is not a valid name (lower case letters, digits, dashes)")
        env = var("ENV", "dev") or "dev"
        if env not in ENVIRONMENTS:
            raise OpsError(f"ENV={env} is not one of {', '.join(ENVIRONMENTS)}")
        arch_value = var("ARCH")
        region = var("REGION") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        return cls(
            project=project,
            env=env,
            profile=var("PROFILE"),
            region_setting=region or None,
            arch=normalise_arch(arch_value) if arch_value else machine_arch(),
            arch_explicit=arch_value is not None,
            endpoint=os.environ.get("AWS_ENDPOINT_URL") or None,
        )

    # -- boto3 -------------------------------------------------------------------------------

    @cached_property
    def session(self) -> Any:
        import boto3
        from botocore.exceptions import ProfileNotFound

        try:
            session = boto3.Session(profile_name=self.profile)
        except ProfileNotFound as exc:
            raise OpsError(f"PROFILE={self.profile}: no such profile in ~/.aws/config") from exc
        region = self.region_setting or session.region_name or "us-east-1"
        return boto3.Session(profile_name=self.profile, region_name=region)

    @property
    def region(self) -> str:
        return self.session.region_name

    def client(self, service: str) -> Any:
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "max_attempts": 2 if self.endpoint else 4},
            connect_timeout=10,
            read_timeout=60,
            user_agent_appid=f"{self.project}-ops",
        )
        return self.session.client(service, config=config)

    @cached_property
    def cfn(self) -> Any:
        return self.client("cloudformation")

    # -- names -----------------------------------------------------------------------------

    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.env}"

    def stack_name(self, key: str) -> str:
        return f"{self.prefix}-{key}"

    def where(self) -> str:
        """Where the calls go, for messages: `ENV=dev REGION=us-east-1 PROFILE=x`."""
        parts = [f"ENV={self.env}", f"REGION={self.region}"]
        if self.profile:
            parts.append(f"PROFILE={self.profile}")
        if self.endpoint:
            parts.append(f"AWS_ENDPOINT_URL={self.endpoint}")
        return " ".join(parts)

    # -- stacks ----------------------------------------------------------------------------

    def describe_stack(self, name: str) -> dict[str, Any] | None:
        """The stack, or None when it does not exist."""
        return describe_stack(self.cfn, name)

    def outputs(self, key: str, required: bool = True) -> dict[str, str]:
        """A stack's outputs by OutputKey; a missing stack raises OpsError when required."""
        name = self.stack_name(key)
        stack = self.describe_stack(name)
        if stack is None or stack["StackStatus"] in ("REVIEW_IN_PROGRESS", "DELETE_COMPLETE"):
            if required:
                raise OpsError(
                    f"stack {name} does not exist ({self.where()}): "
                    "deploy with `make deploy-stack`, or check ENV, REGION and PROFILE"
                )
            return {}
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def error_message(exc: BaseException) -> str:
    """The useful part of a botocore error, on one line."""
    response = getattr(exc, "response", None) or {}
    message = str(response.get("Error", {}).get("Message") or exc)
    if "<html" in message.lower() or "<!doctype" in message.lower():
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        operation = getattr(exc, "operation_name", "the call")
        return f"{operation} is not supported by this endpoint (HTTP {status})"
    return " ".join(message.split())


_CREDENTIAL_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
}


def explain(exc: BaseException, settings: Settings | None) -> str | None:
    """A clear message for the errors every command can meet; None for anything else."""
    from botocore import exceptions as bce

    where = f" ({settings.where()})" if settings else ""
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return (
            f"no AWS credentials found{where}: set PROFILE= (or AWS_PROFILE), "
            "run `aws configure` or `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        )
    sso_errors = tuple(
        getattr(bce, name)
        for name in ("SSOTokenLoadError", "UnauthorizedSSOTokenError")
        if hasattr(bce, name)
    )
    if sso_errors and isinstance(exc, sso_errors):
        return f"the SSO session has expired or was never started{where}: run `aws sso login`"
    if isinstance(exc, bce.TokenRetrievalError if hasattr(bce, "TokenRetrievalError") else ()):
        return f"could not refresh the SSO token{where}: run `aws sso login`"
    if isinstance(exc, bce.ProfileNotFound):
        return f"{exc}{where}"
    if isinstance(exc, bce.EndpointConnectionError):
        return f"cannot reach {getattr(exc, 'kwargs', {}).get('endpoint_url', 'the endpoint')}{where}"
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ResponseParserError):
        return f"the endpoint answered with an unreadable error (an emulator's internal error?){where}"
    if isinstance(exc, bce.ClientError):
        code = error_code(exc)
        if code in _CREDENTIAL_CODES:
            return f"AWS rejected the credentials ({code}: {error_message(exc)}){where}"
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return f"access denied: {error_message(exc)}{where}"
        return f"{getattr(exc, 'operation_name', 'AWS call')} failed: {code}: {error_message(exc)}{where}"
    return None


def describe_stack(cfn: Any, name: str) -> dict[str, Any] | None:
    """A stack by name or id, or None when it does not exist."""
    from botocore.exceptions import ClientError

    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return stacks[0] if stacks else None
