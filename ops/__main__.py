"""python -m ops COMMAND: what the Make targets of mk/aws.mk run.

Commands: deploy, delete, outputs, put-secret, smoke, logs, status.
Settings come from environment variables (see `python -m ops --help`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from . import OpsError

HELP = """\
settings (environment variables; Make passes its variables of the same names):
  ENV=dev|staging|prod  PROJECT=sports-api  REGION=  PROFILE=  ARCH=amd64|arm64
  AWS_ENDPOINT_URL=     send every AWS call to an emulator (moto_server, LocalStack)
deploy:     IMAGE_URI= ALERT_EMAIL= GITHUB_REPO= GITHUB_BRANCH= CONNECTION_ARN= CFN_MODE=changeset|direct
delete:     CONFIRM=<ENV> (required when stdin is not a terminal)
outputs:    FORMAT=json
put-secret: the key from a hidden prompt or stdin; RESTART=0 leaves the running tasks alone
smoke:      API_URL= API_KEY= (else from the api stack) SMOKE_WAIT=60
logs:       FOLLOW=0 SINCE=10m FILTER= LEVEL= REQUEST_ID= TASK= FORMAT=json
"""


def _commands() -> dict[str, Callable[[], int]]:
    def with_settings(name: str) -> Callable[[], int]:
        def run() -> int:
            from .aws import Settings

            settings = Settings.from_env()
            try:
                if name == "deploy":
                    from .deploy import deploy_stack

                    return deploy_stack(settings)
                if name == "delete":
                    from .deploy import delete_stack

                    return delete_stack(settings)
                if name == "outputs":
                    from .deploy import print_outputs

                    return print_outputs(settings)
                if name == "put-secret":
                    from .secret import put_secret

                    return put_secret(settings)
                if name == "logs":
                    from .logs import logs

                    return logs(settings)
                from .status import status

                return status(settings)
            except OpsError:
                raise
            except Exception as exc:
                from .aws import explain

                message = explain(exc, settings)
                if message is None:
                    raise
                raise OpsError(message) from None

        return run

    def smoke() -> int:
        from .smoke import smoke as run

        try:
            return run()
        except OpsError:
            raise
        except ModuleNotFoundError as exc:
            raise OpsError(
                f"{exc.name} is not installed: run `make venv`, or give API_URL and API_KEY"
            ) from None
        except Exception as exc:
            try:
                from .aws import explain
            except ImportError:  # no boto3: the error is not an AWS one
                raise exc from None
            message = explain(exc, None)
            if message is None:
                raise
            raise OpsError(message) from None

    commands = {
        name: with_settings(name) for name in ("deploy", "delete", "outputs", "put-secret", "logs", "status")
    }
    commands["smoke"] = smoke
    return commands


def main(argv: list[str] | None = None) -> int:
    commands = _commands()
    parser = argparse.ArgumentParser(
        prog="python -m ops",
        description="Deploy, inspect and smoke-test the sports-api stacks.",
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=sorted(commands))
    args = parser.parse_args(argv)
    try:
        return commands[args.command]()
    except OpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `make logs | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
