"""Who is asking, for the fair shares of the quota.

Behind the api stack, API Gateway passes the caller's API key id as
`X-Api-Key-Id`. That header is believed only when the request came through a
trusted proxy (`FORWARDED_ALLOW_IPS`, as for `X-Forwarded-For`); anyone else
could send a new id with every request and get a new share each time, so
otherwise the client is its source address.

"Came through a trusted proxy": the peer is in `FORWARDED_ALLOW_IPS`, or
uvicorn has already replaced the peer with the address a trusted proxy put
in `X-Forwarded-For` (it does so only for a trusted peer, and such an
address carries port 0, which no TCP peer has). A forwarded address written
with a port is not recognised, and its request is keyed by address: the
safe side.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable

_SANE_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def trusted(allow: str) -> tuple[bool, tuple[Network, ...]]:
    """FORWARDED_ALLOW_IPS as (everyone, networks); entries that are not addresses are ignored."""
    networks: list[Network] = []
    everyone = False
    for item in (part.strip() for part in allow.split(",")):
        if item == "*":
            everyone = True
        elif item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                continue
    return everyone, tuple(networks)


def _in(host: str, networks: Iterable[Network]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_id(client: tuple[str, int] | None, headers: Iterable[tuple[bytes, bytes]], allow: str) -> str:
    """`key:<API key id>` from a trusted proxy's header, else `ip:<address>`."""
    if client is None:
        return "unknown"
    host, port = client[0], client[1]
    everyone, networks = trusted(allow)
    if everyone or port == 0 or _in(host, networks):
        for name, value in headers:
            if name == b"x-api-key-id" and _SANE_ID.fullmatch(value):
                return f"key:{value.decode()}"
    return f"ip:{host}"
