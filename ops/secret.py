"""`make put-secret`: the SerpAPI key into Secrets Manager, from a hidden prompt or stdin.

Never from a command-line argument (it would land in the shell's history and
in `ps`), never echoed, never logged.
"""

from __future__ import annotations

import getpass
import re
import sys

from . import OpsError
from .aws import error_code
from .settings import Settings

# SerpAPI's keys are 64 hex digits; this accepts any plausible token and refuses
# what is surely a mistake (a pasted URL, a JSON file, two lines, a quote).
KEY_FORMAT = "16 to 256 letters, digits, '-' or '_', on one line"
_PLAUSIBLE = re.compile(r"[A-Za-z0-9_\-]{16,256}")


def read_key() -> str:
    prompt = f"SerpAPI key ({KEY_FORMAT}; input hidden): "
    key = (getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.read()).strip()
    if not key:
        raise OpsError("no key given: type it at the prompt, or pipe it in (make put-secret < keyfile)")
    if not _PLAUSIBLE.fullmatch(key):
        raise OpsError(f"that is not a SerpAPI key ({KEY_FORMAT}): nothing stored")
    return key


def put_secret(settings: Settings) -> int:
    platform = settings.outputs("platform")  # no stack: says so, and how to deploy it
    name = platform.get("SerpApiSecretName") or f"{settings.project}/{settings.env}/serpapi-api-key"
    key = read_key()
    from botocore.exceptions import ClientError  # here: `python -m ops` starts without botocore

    sm = settings.client("secretsmanager")
    try:
        version = sm.put_secret_value(SecretId=name, SecretString=key)["VersionId"]
        print(f"Stored a new version of {name} ({version}).")
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        created = sm.create_secret(
            Name=name,
            SecretString=key,
            Description=f"SerpAPI key of {settings.prefix}",
            Tags=[
                {"Key": "Project", "Value": settings.project},
                {"Key": "Environment", "Value": settings.env},
            ],
        )
        print(f"Created secret {name} ({created['VersionId']}).")
    del key
    _restart_service(settings)
    return 0


def _restart_service(settings: Settings) -> None:
    """Tasks read the secret when they start: roll the service so they pick up the new value."""
    service = settings.outputs("service", required=False).get("ServiceName")
    cluster = settings.outputs("platform", required=False).get("ClusterName")
    if not service or not cluster:
        print("The service is not deployed yet: its tasks will read the key when they start.")
        return
    if not settings.restart:
        print(f"RESTART=0: running tasks keep the old key until {service} is redeployed.")
        return
    settings.client("ecs").update_service(cluster=cluster, service=service, forceNewDeployment=True)
    print(f"Started a new deployment of {service} so its tasks read the new key (`make status` follows it).")
