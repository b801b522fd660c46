"""The templates carry the event streams (issue 23): streamed integrations, timeouts that fit, and heartbeats.

The event routes' methods stream (`ResponseTransferMode: STREAM`) with an
integration timeout longer than the app keeps a stream open; every other
method stays buffered at 29 s. The resource tree is walked as API Gateway
routes a request, segment by segment (a literal part first, then a path
variable, then a greedy `{proxy+}`, never back up to an ancestor's
`{proxy+}`: a resource beside `{proxy+}` takes its subtree out of it), and
every route and method the app serves must reach a method that way. The
load balancer's idle timeout outlasts the longest silence a heartbeat allows.
"""

from __future__ import annotations

from typing import Any

from sports_api.core.config import Settings
from tests.infra.cfn import gateway_method, load, resources
from tests.infra.test_templates import OPEN_ROUTES, _app_routes

EVENT_ROUTES = {"/v1/leagues/{slug}/events", "/v1/teams/{team}/events", "/v1/me/events"}
# The scoreboard's own stream of a league: open like the page (a browser sends no key).
PAGE_STREAM = "/events/{slug}"
ROOT = {"Fn::GetAtt": ["RestApi", "RootResourceId"]}


def route(path: str, verb: str) -> dict[str, Any] | None:
    """The method API Gateway runs for `verb path`, its logical id as `id`, or None (its 403)."""
    found = gateway_method(path, verb)
    return None if found is None else {"id": found[0], **found[1]}


def test_every_route_reaches_a_method_as_api_gateway_routes_it() -> None:
    for path, verbs in _app_routes().items():
        concrete = path.replace("{slug}", "nfl").replace("{team}", "arsenal").replace("{path}", "x.css")
        for verb in verbs:
            method = route(concrete, verb)
            assert method is not None, f"API Gateway answers 403 to {verb} {path}"
            assert method["ApiKeyRequired"] is ((path, verb) not in OPEN_ROUTES), (verb, path, method["id"])


def test_the_event_routes_stream_and_nothing_else_does() -> None:
    api = load("api")
    timeout = api["Parameters"]["EventStreamTimeout"]
    assert timeout["Default"] == timeout["MaxValue"] == 900_000  # API Gateway's 15 minutes
    lifetime = Settings.model_fields["events_max_seconds"]
    longest = next(m.le for m in lifetime.metadata if hasattr(m, "le"))
    assert longest * 1000 < timeout["Default"]  # the app closes a stream before the gateway does
    streamed = set()
    for path in sorted(EVENT_ROUTES | {PAGE_STREAM}):
        concrete = path.replace("{slug}", "nfl").replace("{team}", "arsenal")
        method = route(concrete, "GET")
        assert method is not None, path
        integration = method["Integration"]
        assert integration["ResponseTransferMode"] == "STREAM", path
        assert integration["TimeoutInMillis"] == {"Ref": "EventStreamTimeout"}, path
        assert integration["Uri"]["Fn::Sub"][0].endswith(path), path
        assert method["ApiKeyRequired"] is (path != PAGE_STREAM), path
        streamed.add(method["id"])
        if path == PAGE_STREAM:
            continue
        # Its neighbours stay buffered: /v1/leagues/nfl/games is answered in full within 29 s.
        games = route(concrete.replace("/events", "/games"), "GET")
        assert (
            games is not None and games["Integration"].get("ResponseTransferMode", "BUFFERED") == "BUFFERED"
        )
        assert games["Integration"]["TimeoutInMillis"] == 29_000
    for logical_id, method in resources(api, "AWS::ApiGateway::Method").items():
        if logical_id not in streamed:
            assert method["Properties"]["Integration"].get("ResponseTransferMode", "BUFFERED") == "BUFFERED"


def test_the_load_balancer_idle_timeout_outlasts_a_heartbeat() -> None:
    idle = load("platform")["Parameters"]["LoadBalancerIdleTimeout"]
    heartbeat = Settings.model_fields["events_heartbeat_seconds"]
    longest = next(m.le for m in heartbeat.metadata if hasattr(m, "le"))
    assert longest <= 15  # the bound, and under API Gateway's idle limit (5 min regional)
    assert idle["MinValue"] > longest and idle["Default"] > longest


def test_a_stream_ends_before_the_task_is_stopped() -> None:
    """SIGTERM closes the streams at once (tests/fault/test_stream_shutdown.py); the drain allows for it."""
    drain = Settings.model_fields["graceful_shutdown_seconds"].default
    service = load("service")
    stops = [
        container["StopTimeout"]
        for task in resources(service, "AWS::ECS::TaskDefinition").values()
        for container in task["Properties"]["ContainerDefinitions"]
        if "StopTimeout" in container
    ]
    values = [service["Parameters"][s["Ref"]]["Default"] if isinstance(s, dict) else s for s in stops]
    assert values and all(int(value) > drain for value in values), (values, drain)
