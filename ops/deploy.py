"""`make deploy-stack` and `make outputs`.

The network and platform stacks go inline; every later one by TemplateURL from
the platform stack's template bucket (ops/stacks.py INLINE, ops/upload.py).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import OpsError
from .aws import error_code, error_message
from .cfn import StackFailed, Stacks
from .settings import Settings
from .stacks import ORDER, plan
from .ui import Painter, paint_for
from .upload import TemplateStore

NOT_DEPLOYED = ("REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE", "DELETE_COMPLETE")


def _parameters(stack: dict[str, Any] | None) -> dict[str, str] | None:
    if stack is None or stack["StackStatus"] in NOT_DEPLOYED:
        return None
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters") or []}


def header(settings: Settings, verb: str) -> str:
    return f"{verb} {settings.project} {settings.env} in account {settings.account()}, {settings.region}"


def stacks_for(settings: Settings, paint: Painter) -> Stacks:
    """Change sets on AWS; on an emulator, what ops/emulator.py says it can run."""
    mode = settings.cfn_mode
    if mode is None and settings.endpoint:
        from .emulator import CHANGE_SETS

        mode = "changeset" if CHANGE_SETS else "direct"
    change_sets = (mode or "changeset") == "changeset"
    return Stacks(settings.cfn, change_sets, delay=1 if settings.endpoint else 10, paint=paint)


# -- deploy-stack ---------------------------------------------------------------------------------


def deploy(settings: Settings) -> int:
    paint = paint_for()
    stacks = stacks_for(settings, paint)
    how = "change sets" if stacks.change_sets else "CreateStack/UpdateStack"
    print(f"{header(settings, 'Deploying')} ({how})")

    existing = {key: stacks.describe(settings.stack_name(key)) for key in ORDER}
    keys = list(ORDER)
    if not settings.image_uri and _parameters(existing["service"]) is None:
        keys.remove("service")
    plans = [plan(key, settings, _parameters(existing[key])) for key in keys]
    missing = [m for p in plans for m in p.missing]
    if missing:
        raise OpsError("cannot deploy, parameters missing:\n  " + "\n  ".join(missing))

    tags = {"Project": settings.project, "Environment": settings.env}
    store: TemplateStore | None = None
    for p in plans:
        url = None
        if not p.inline:  # the platform stack, deployed before it, holds the bucket
            store = store or template_store(settings)
            url = store.upload(p.name, p.body)
        how_sent = f"by URL from s3://{store.bucket}" if url and store else "inline"
        print(paint(f"{p.name}", "bold") + f"  ({p.path.name}, {how_sent})")
        try:
            result = stacks.deploy(p.name, p.body, p.parameters, tags, url=url)
        except StackFailed as exc:
            print(paint(str(exc), "red"), file=sys.stderr)
            raise OpsError(f"deploy-stack stopped at {p.name}; the stacks before it are deployed") from None
        print(f"  {p.name}: {paint(result, 'green')}")
    if "service" not in keys:
        print(
            paint(settings.stack_name("service"), "bold")
            + "  not deployed from here: the pipeline creates it "
            "after its first image build (or pass IMAGE_URI= to deploy it now)"
        )
    print()
    print_outputs(settings, paint)
    return 0


def template_store(settings: Settings) -> TemplateStore:
    """Where the later stacks' templates go: the platform stack's bucket."""
    bucket = settings.outputs("platform").get("TemplateBucketName")
    if not bucket:
        raise OpsError(
            f"{settings.stack_name('platform')} has no TemplateBucketName output: "
            "deploy its current template (make deploy-stack does, before the others)"
        )
    return TemplateStore(settings.client("s3"), bucket, settings.region)


# -- outputs -------------------------------------------------------------------------------------


def _secret_state(settings: Settings, name: str) -> str:
    try:
        described = settings.client("secretsmanager").describe_secret(SecretId=name)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return "not created yet: make put-secret"
        return f"state unknown: {error_message(exc)}"
    if described.get("DeletedDate"):
        return "scheduled for deletion"
    stages = described.get("VersionIdsToStages") or {}
    if any("AWSCURRENT" in s for s in stages.values()):
        return "set"
    return "no value yet: make put-secret"


def _connection_state(settings: Settings, arn: str) -> str:
    """The GitHub connection stays PENDING until someone completes the handshake in the console."""
    service = "codeconnections" if ":codeconnections:" in arn else "codestar-connections"
    try:
        status = settings.client(service).get_connection(ConnectionArn=arn)["Connection"]["ConnectionStatus"]
    except (ClientError, BotoCoreError):
        return arn
    if status == "PENDING":
        return (
            f"{arn}   PENDING: finish the GitHub handshake once at "
            f"https://{settings.region}.console.aws.amazon.com/codesuite/settings/connections"
            f"?region={settings.region}, then the pipeline can read the repository"
        )
    return f"{arn}   ({status})"


def print_outputs(settings: Settings, paint: Painter | None = None) -> int:
    paint = paint or paint_for()
    outputs = {key: settings.outputs(key, required=False) for key in ORDER}
    if settings.format == "json":
        print(json.dumps({settings.stack_name(k): v for k, v in outputs.items() if v}, indent=2))
        return 0
    if not any(outputs.values()):
        raise OpsError(f"no stacks of {settings.prefix} found ({settings.where()}): run `make deploy-stack`")
    platform, api, monitoring = outputs["platform"], outputs["api"], outputs["monitoring"]
    pipeline, service = outputs["pipeline"], outputs["service"]
    region = settings.region
    flags = f" --region {region}" + (f" --profile {settings.profile}" if settings.profile else "")
    rows: dict[str, str] = {}
    if api:
        rows["API URL"] = api.get("ApiUrl", "-")
        if api.get("ApiKeyId"):
            rows["API key"] = (
                f"aws apigateway get-api-key --api-key {api['ApiKeyId']} --include-value "
                f"--query value --output text{flags}"
            )
            rows[""] = "(`make smoke` reads it itself)"
    if platform.get("ServiceLogGroupName"):
        rows["Service logs"] = f"{platform['ServiceLogGroupName']}   make logs ENV={settings.env}"
    if api.get("AccessLogGroupName"):
        rows["Access logs"] = f"{api['AccessLogGroupName']}   make logs REQUEST_ID=<id>"
    if monitoring.get("DashboardUrl") or monitoring.get("DashboardName"):
        rows["Dashboard"] = monitoring.get("DashboardUrl") or monitoring["DashboardName"]
    if monitoring.get("AlarmTopicArn"):
        rows["Alarm topic"] = monitoring["AlarmTopicArn"]
    if platform.get("SerpApiSecretName"):
        name = platform["SerpApiSecretName"]
        rows["SerpAPI key"] = f"{name}   ({_secret_state(settings, name)})"
    if platform.get("RepositoryUri"):
        rows["Image repo"] = platform["RepositoryUri"]
    if pipeline.get("PipelineName"):
        rows["Pipeline"] = (
            f"{pipeline['PipelineName']}   https://{region}.console.aws.amazon.com/codesuite/"
            f"codepipeline/pipelines/{pipeline['PipelineName']}/view?region={region}"
        )
    if pipeline.get("ConnectionArn"):
        rows["GitHub link"] = _connection_state(settings, pipeline["ConnectionArn"])
    rows["Service"] = (
        f"{service['ServiceName']}   make status"
        if service.get("ServiceName")
        else "not created yet: the pipeline creates it after its first build"
    )
    print(paint(f"{settings.prefix} ({region})", "bold"))
    for label, value in rows.items():
        print(f"  {label:<14}{value}")
    return 0
