"""The one settings object every command receives, and the boto3 session it opens.

ops/__main__.py fills it once from the flags (whose defaults are the
`OPS_<NAME>` variables mk/aws.mk exports); nothing below it reads the
environment, except boto3 for credentials and AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from . import OpsError

ARCHITECTURES = {"amd64": "X86_64", "arm64": "ARM64"}  # ARCH -> the templates' Architecture
ARCH_ALIASES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def machine_arch() -> str:
    return ARCH_ALIASES.get(platform.machine().lower(), "amd64")


@dataclass
class Settings:
    project: str = "sports-api"
    env: str = "dev"
    region_setting: str | None = None  # REGION, else AWS_REGION; None: the profile's, else us-east-1
    profile: str | None = None
    endpoint: str | None = None  # AWS_ENDPOINT_URL: an emulator
    format: str = "text"
    # deploy
    arch: str | None = None  # amd64 | arm64 when ARCH is given
    image_uri: str | None = None
    alert_email: str | None = None
    github_repo: str | None = None
    github_branch: str | None = None
    connection_arn: str | None = None
    cfn_mode: str | None = None  # changeset | direct; None: changeset on AWS, direct on an emulator
    # delete
    confirm: str | None = None
    # put-secret
    restart: bool = True
    # smoke
    api_url: str | None = None
    api_key: str | None = None
    smoke_wait: float = 300.0
    release_test: bool = False  # X-Release-Test: 1, the new revision through the test listener rule
    # contract, captures
    league: str = "premier-league"  # the catalogue league the contract check searches for
    capture: str = "contract-answer"  # where `contract` keeps the answer; what `captures` reads
    # logs
    follow: bool | None = None
    since: str | None = None
    filter: str | None = None
    level: str | None = None
    request_id: str | None = None
    task: str | None = None

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

    def account(self) -> str:
        """The account the credentials belong to; fails early and clearly without credentials."""
        return self.client("sts").get_caller_identity()["Account"]

    # -- names -----------------------------------------------------------------------------

    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.env}"

    def stack_name(self, key: str) -> str:
        return f"{self.prefix}-{key}"

    def where(self) -> str:
        """Where the calls go, for messages: `ENV=dev REGION=us-east-1 PROFILE=x`."""
        parts = dict(ENV=self.env, REGION=self.region, PROFILE=self.profile, AWS_ENDPOINT_URL=self.endpoint)
        return " ".join(f"{name}={value}" for name, value in parts.items() if value)

    # -- stacks ----------------------------------------------------------------------------

    def outputs(self, key: str, required: bool = True) -> dict[str, str]:
        """A stack's outputs by OutputKey; a missing stack raises OpsError when required."""
        from .aws import describe_stack

        name = self.stack_name(key)
        stack = describe_stack(self.cfn, name)
        if stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS":
            if required:
                raise OpsError(
                    f"stack {name} does not exist ({self.where()}): "
                    "deploy with `make deploy-stack`, or check ENV, REGION and PROFILE"
                )
            return {}
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
