"""Keep secrets out of text that may be logged or returned.

`requests` puts the full URL, `api_key=` included, into its exception
messages; anything derived from them passes through `redact` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_KEY_PARAM = re.compile(r"(?i)((?:api_key|serp_api_key|apikey|key)=)[^&\s'\"<>]+")
MASK = "***"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    if "=" in text:  # the pattern needs one; most log lines have none
        text = _KEY_PARAM.sub(rf"\g<1>{MASK}", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text
