from __future__ import annotations

import logging

import orjson
import requests

from sports_api.core.logs import JsonFormatter
from sports_api.core.redact import MASK, redact

KEY = "0123456789abcdef0123456789abcdef"


def test_query_parameter_is_masked() -> None:
    url = f"https://serpapi.com/search?engine=google&q=nfl&api_key={KEY}&output=json"
    assert redact(url) == "https://serpapi.com/search?engine=google&q=nfl&api_key=***&output=json"


def test_known_secret_is_masked_anywhere() -> None:
    assert redact(f"token {KEY} leaked", (KEY,)) == f"token {MASK} leaked"


def test_requests_exception_message_is_cleaned() -> None:
    # requests puts the full URL into connection errors
    try:
        requests.get(f"http://127.0.0.1:9/search?api_key={KEY}", timeout=0.5)
    except requests.RequestException as exc:
        message = str(exc)
    assert KEY in message
    assert KEY not in redact(message)


def test_log_lines_are_redacted_message_and_exception() -> None:
    formatter = JsonFormatter(secrets=(KEY,))
    try:
        raise RuntimeError(f"GET /search?api_key={KEY} failed")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "secret %s", (KEY,), exc_info=None)
        import sys

        record.exc_info = sys.exc_info()
    line = formatter.format(record)
    assert KEY not in line
    parsed = orjson.loads(line)
    assert parsed["message"] == f"secret {MASK}"
    assert parsed["level"] == "ERROR"
    assert "api_key=***" in parsed["error"]
