"""The operator's tooling: deploy, inspect and smoke-test the stacks, all over boto3.

Every command reads its settings from environment variables (the Make
variables of mk/aws.mk): ENV, REGION, PROFILE, PROJECT, ARCH and the
per-command ones. `AWS_ENDPOINT_URL` points every call at an emulator.

boto3 is imported by the modules that need it, not here: `python -m ops smoke`
with API_URL and API_KEY runs on a bare Python.
"""


class OpsError(Exception):
    """A failure the operator can act on: printed as one clear message, no traceback."""
