"""Reading botocore's errors: the codes, a one-line message, and what the operator should do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .settings import Settings


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
    # getattr: `make smoke` may run on an older botocore without these
    expired = tuple(getattr(bce, name, ()) for name in ("SSOTokenLoadError", "UnauthorizedSSOTokenError"))
    if isinstance(exc, expired):
        return f"the SSO session has expired or was never started{where}: run `aws sso login`"
    if isinstance(exc, getattr(bce, "TokenRetrievalError", ())):
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
    """A stack by name or id, or None when it does not exist (or only its deletion is left)."""
    from botocore.exceptions import ClientError

    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return stacks[0] if stacks and stacks[0]["StackStatus"] != "DELETE_COMPLETE" else None
