"""The service's OpenAPI document: fetch it from the running service, or validate it.

    python scripts/openapi.py fetch OUT.json   # start `python -m sports_api` on loopback (demo
                                               # data), GET /openapi.json, write it, stop it
    python scripts/openapi.py check [FILE]     # validate FILE, or the app's own document, with
                                               # openapi-spec-validator (pinned in the dev set)

`make clients` fetches, checks and generates from the live document; `make lint`
runs `check`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Settings a developer's shell may hold: the fetched document must not depend on them.
_APP_VARIABLES = ("SERPAPI_API_KEY", "SPORTS_API_KEY", "SERPAPI_BASE_URL", "REDIS_URL", "PORT", "HOST")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback http only)
        return response.read()


def fetch(out: Path, timeout: float = 30) -> dict[str, Any]:
    """The document exactly as the service serves it, from the server as deployed."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in _APP_VARIABLES}
    env.update(HOST="127.0.0.1", PORT=str(port), DATA_SOURCE="demo", PYTHONPATH=str(ROOT / "src"))
    server = subprocess.Popen(
        [sys.executable, "-m", "sports_api"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                output = server.stdout.read().decode(errors="replace") if server.stdout else ""
                raise SystemExit(f"the service exited before answering:\n{output}")
            try:
                _get(f"{base}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"the service did not answer {base}/health within {timeout:g} s"
                    ) from None
                time.sleep(0.1)
        body = _get(f"{base}/openapi.json")
    finally:
        server.terminate()
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
    document = json.loads(body)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    return document


def app_document() -> dict[str, Any]:
    """The document the app serves at /openapi.json, built in this process."""
    from sports_api.core.config import Settings
    from sports_api.web.app import create_app

    return create_app(Settings(_env_file=None, data_source="demo")).openapi()  # type: ignore[call-arg]


def check(document: dict[str, Any]) -> str | None:
    """None when the document is valid OpenAPI, else what is wrong and where."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(document)
    except OpenAPIValidationError as exc:
        return str(exc)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    fetch_cmd = commands.add_parser("fetch", help="write the running service's /openapi.json to OUT")
    fetch_cmd.add_argument("out", type=Path)
    check_cmd = commands.add_parser("check", help="validate FILE, or the app's document")
    check_cmd.add_argument("file", type=Path, nargs="?")
    args = parser.parse_args(argv)
    if args.command == "fetch":
        document = fetch(args.out)
        print(f"{args.out}: OpenAPI {document['openapi']}, {len(document['paths'])} paths")
        return 0
    source = str(args.file) if args.file else "the app's document"
    document = json.loads(args.file.read_text()) if args.file else app_document()
    error = check(document)
    if error is not None:
        print(f"{source}: not valid OpenAPI:\n{error}", file=sys.stderr)
        return 1
    operations = sum(len(ops) for ops in document["paths"].values())
    print(f"{source}: valid OpenAPI {document['openapi']}, {operations} operations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
