"""The operator's tooling: deploy, inspect, smoke-test and delete the stacks, over boto3.

`python -m ops COMMAND --help` describes each command. Settings are parsed
once, from the flags and the `OPS_<NAME>` variables mk/aws.mk exports, into
one `Settings` object that every command receives (ops/settings.py).
`AWS_ENDPOINT_URL` sends every call to an emulator; ops/emulator.py holds
what moto needs adapted, and nothing else does.

boto3 is imported by the modules that need it, not here: `python -m ops
smoke` with API_URL and API_KEY runs on a bare Python.
"""


class OpsError(Exception):
    """A failure the operator can act on: printed as one clear message, no traceback."""

    exit_code = 1
