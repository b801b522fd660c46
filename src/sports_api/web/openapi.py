"""The OpenAPI document as client generators read it.

FastAPI writes most of the document from the routes; this module adds what a
generated client needs and FastAPI cannot know:

- operation ids a person would choose (`listLeagues`, `getLeagueGames`),
  derived from each route's method and path by `operation_id`, FastAPI's
  `generate_unique_id_function` hook, so a new route gets one by the same rule;
- the API key that API Gateway asks for (`x-api-key`), on every operation but
  those the gateway leaves open (`KEYLESS_PATHS`, as in cloudformation/api.yaml);
- every error answer as what it is on the wire: `application/problem+json`
  with the `Problem` schema, and a `default` response for any other status, so
  a generated client hands the caller a typed problem instead of `None`;
- an example for every answer, and the headers every answer carries.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, get_origin

from fastapi import FastAPI
from fastapi.dependencies.utils import get_typed_return_annotation
from fastapi.routing import APIRoute
from pydantic import BaseModel

from sports_api.core import errors
from sports_api.sports.catalogue import LEAGUES
from sports_api.sports.status import STATUSES
from sports_api.web.problems import MEDIA_TYPE
from sports_api.web.routes.deps import DATA_HEADERS
from sports_api.web.schemas import LeagueGames, LeagueStandings, Problem, TeamGames, TeamInfo

# The header API Gateway reads the key from (RestApi ApiKeySourceType: HEADER).
API_KEY_HEADER = "x-api-key"
API_KEY_SCHEME = "apiKey"

# Paths the gateway serves without a key: cloudformation/api.yaml's methods
# with `ApiKeyRequired: false`. tests/integration/test_openapi_contract.py
# reads the template and fails when the two disagree. Besides /health, the
# scoreboard and the docs a browser opens (no operation of this document).
KEYLESS_PATHS = frozenset(
    {
        "/health",
        "/",
        "/static/{proxy+}",
        "/events/{slug}",
        "/docs",
        "/docs/assets/{proxy+}",
        "/redoc",
        "/openapi.json",
    }
)

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_VERBS = {"GET": "get", "POST": "create", "PUT": "put", "PATCH": "update", "DELETE": "delete"}
# Path segments that read otherwise in an operation's name: `/ready` is a
# readiness probe, `/v1/me/teams` the caller's own teams (`getMyTeams`).
_NOUNS = {"ready": "readiness", "me": "my"}
_VERSION = re.compile(r"v\d+")


def operation_id(route: APIRoute) -> str:
    """`<verb><Noun...>` in camelCase, from the method and the path's literal segments.

    The verb is the method's (`get` for GET, `create` for POST, ...), or `list`
    for a GET of a collection answered as a JSON array. The nouns are the
    path's segments without the version prefix and parameters; a segment that
    a parameter follows names one item, so it loses its plural `s`:
    `GET /v1/leagues/{slug}/games` is `getLeagueGames`, `GET /v1/teams` is
    `listTeams`, `GET /v1/teams/{team}` is `getTeam`.
    """
    segments = [part for part in route.path_format.split("/") if part and not _VERSION.fullmatch(part)]
    nouns: list[str] = []
    for index, segment in enumerate(segments):
        if segment.startswith("{"):
            continue
        word = _NOUNS.get(segment, segment)
        followed_by_parameter = index + 1 < len(segments) and segments[index + 1].startswith("{")
        if followed_by_parameter:
            word = _singular(word)
        nouns.extend(part.capitalize() for part in re.split(r"[-_.]", word) if part)
    method = "GET" if "GET" in route.methods else sorted(route.methods)[0]
    verb = _VERBS.get(method, method.lower())
    lists = method == "GET" and get_origin(_answer_type(route)) is list
    if lists and segments and not segments[-1].startswith("{"):
        verb = "list"
    return verb + "".join(nouns or ["Root"])


def _singular(word: str) -> str:
    """English plurals as REST paths use them: leagues, countries, classes, matches."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _answer_type(route: APIRoute) -> Any:
    """The declared answer: FastAPI calls the hook before it sets `response_model` from the endpoint."""
    declared = getattr(route, "response_model", None)
    return declared if declared is not None else get_typed_return_annotation(route.endpoint)


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (and to /docs)."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    completed: dict[str, Any] | None = None

    def openapi() -> dict[str, Any]:
        nonlocal completed
        if completed is None:
            completed = complete(copy.deepcopy(generate()))
        app.openapi_schema = completed
        return completed

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any]) -> dict[str, Any]:
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[API_KEY_SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": API_KEY_HEADER,
        "description": "The API key of the deployed API (API Gateway's usage plan: `make outputs` "
        "says how to read it). A local `make run` asks for none.",
    }
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            _complete_operation(path, operation, components.get("schemas", {}))
    _add_event_schemas(components.setdefault("schemas", {}))
    _drop_unused_schemas(document)
    _share(document)
    return document


def _add_event_schemas(schemas: dict[str, Any]) -> None:
    """The `data` of each event the event-stream routes send, as components a client can parse it with."""
    from sports_api.web.routes.events import EVENT_SCHEMAS

    for model in EVENT_SCHEMAS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, nested in schema.pop("$defs", {}).items():
            schemas.setdefault(name, nested)
        schemas[model.__name__] = schema


def _share(document: dict[str, Any]) -> None:
    """Parts that operations repeat word for word become components, referred to by `$ref`.

    A query parameter taken by several routes (`status`, `date`, `from`, `to`,
    `tz`, `Last-Event-ID`), a response given the same way by several (API
    Gateway's 403 and 429, ...), and the headers every answer carries are
    written once: the document is smaller, and a generated client has one
    type for each instead of one per operation.
    """
    components = document.setdefault("components", {})
    operations = [op for ops in document.get("paths", {}).values() for op in ops.values()]
    headers: dict[str, Any] = {}
    for operation in operations:
        for response in operation.get("responses", {}).values():
            for name, header in response.get("headers", {}).items():
                key = _component_name(name)
                if headers.setdefault(key, header) == header:
                    response["headers"][name] = {"$ref": f"#/components/headers/{key}"}
    if headers:
        components["headers"] = dict(sorted(headers.items()))
    _hoist(operations, components, "parameters", _parameter_name)
    _hoist(operations, components, "responses", _response_name)


def _hoist(
    operations: list[dict[str, Any]],
    components: dict[str, Any],
    kind: str,
    name: Callable[[str, dict[str, Any]], str],
) -> None:
    """Parts of `kind` equal in two operations or more, as components named by `name`."""
    seen: dict[str, int] = {}
    for operation in operations:
        for _key, part in _parts(operation, kind):
            text = json.dumps(part, sort_keys=True)
            seen[text] = seen.get(text, 0) + 1
    shared: dict[str, str] = {}  # the part's text -> its component's name
    store = components.setdefault(kind, {})
    for operation in operations:
        for key, part in _parts(operation, kind):
            text = json.dumps(part, sort_keys=True)
            if seen[text] < 2:
                continue
            if text not in shared:
                base = candidate = name(key, part)
                n = 2
                while candidate in store:
                    candidate, n = f"{base}{n}", n + 1
                store[candidate], shared[text] = part, candidate
            ref = {"$ref": f"#/components/{kind}/{shared[text]}"}
            if kind == "parameters":
                operation["parameters"][int(key)] = ref
            else:
                operation["responses"][key] = ref
    if not store:
        del components[kind]
    else:
        components[kind] = dict(sorted(store.items()))


def _parts(operation: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    if kind == "parameters":
        found = enumerate(operation.get("parameters", ()))
        return [(str(i), p) for i, p in found if "$ref" not in p and p.get("in") in ("query", "header")]
    return [(status, r) for status, r in operation.get("responses", {}).items() if "$ref" not in r]


def _component_name(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _parameter_name(index: str, parameter: dict[str, Any]) -> str:
    return _component_name(parameter["name"])


def _response_name(status: str, response: dict[str, Any]) -> str:
    if status == "default":
        return "Failure"
    phrase = HTTPStatus(int(status)).phrase
    by_gateway = status in ("403", "429") and "API Gateway" in response.get("description", "")
    return ("Gateway" if by_gateway else "") + _component_name(phrase)


def _complete_operation(path: str, operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    keyed = path not in KEYLESS_PATHS
    operation["security"] = [{API_KEY_SCHEME: []}] if keyed else []
    responses: dict[str, Any] = operation["responses"]
    if keyed:  # answered by API Gateway before the service sees the request
        responses.setdefault("403", {"description": "API Gateway: no `x-api-key`, or not a key of this API."})
        responses.setdefault("429", {"description": "API Gateway: throttled, or the key's quota is spent."})
    responses.setdefault("default", {"description": "Any other failure."})
    parameters = {parameter["name"] for parameter in operation.get("parameters", ())}
    data_route = "304" in responses  # answered by `responses.data_response`: ETag, Cache-Control
    for status, response in responses.items():
        headers = response.setdefault("headers", {})
        headers["X-Request-ID"] = _required(DATA_HEADERS["X-Request-ID"])  # middleware: on every answer
        if data_route and status in ("200", "304"):
            headers["ETag"] = _required(DATA_HEADERS["ETag"])
            headers["Cache-Control"] = _required(DATA_HEADERS["Cache-Control"])
        if status == "default" or int(status) >= 400:
            examples = _problem_examples(status, path, parameters, data_route)
            response["content"] = {MEDIA_TYPE: {"schema": _PROBLEM_REF, "examples": examples}}
        if data_route and status == "503":
            headers["Retry-After"] = {
                "description": "Seconds until the upstream may be asked again (rate limit or budget spent).",
                "schema": {"type": "integer"},
            }
    for status in ("200", "201"):
        success = responses.get(status, {}).get("content", {}).get("application/json")
        if success is None:
            continue
        example = _schema_example(success["schema"], schemas)
        if example is None:
            example = SUCCESS_EXAMPLES.get(operation["operationId"])
        if example is not None:
            success["examples"] = {"example": {"value": example}}


def _schema_example(schema: dict[str, Any], schemas: dict[str, Any]) -> Any:
    """The first example the answer's model declares (`json_schema_extra`), or None."""
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = schemas.get(ref.rsplit("/", 1)[1], {})
    examples = schema.get("examples")
    return examples[0] if examples else None


def _required(header: dict[str, Any]) -> dict[str, Any]:
    return {**header, "required": True}


def _problem_examples(status: str, path: str, parameters: set[str], data_route: bool) -> dict[str, Any]:
    code = 500 if status == "default" else int(status)
    shown = [e for e, applies in _EXAMPLE_ERRORS if e.status == code and applies(parameters, data_route)]
    if code in _GATEWAY_DETAILS:
        return {"gateway": {"value": _problem_body(code, path, gateway=True)}}
    if not shown:
        return {"problem": {"value": _problem_body(code, path)}}
    return {error.kind: {"value": _problem_body(code, path, error)} for error in shown}


def _any(parameters: set[str], data_route: bool) -> bool:
    return True


def _reads_data(parameters: set[str], data_route: bool) -> bool:
    return data_route


# The failures the examples show, and which operations can meet each: by the
# parameters they take, or whether they read upstream data. A status with none
# of these gets a plain example of its own.
_EXAMPLE_ERRORS: tuple[tuple[type[errors.ServiceError], Callable[[set[str], bool], bool]], ...] = (
    (errors.UnknownParameter, _any),
    (errors.UnknownLeague, lambda parameters, _: bool({"slug", "league"} & parameters)),
    (errors.UnknownTeam, lambda parameters, _: "team" in parameters),
    (errors.AmbiguousTeam, lambda parameters, _: "team" in parameters),
    (errors.InvalidParameter, _any),
    (errors.UpstreamUnavailable, _reads_data),
    (errors.UpstreamBadResponse, _reads_data),
    (errors.Misconfigured, _any),
    (errors.UpstreamRateLimited, _reads_data),
    (errors.BudgetExhausted, _reads_data),
    (errors.UpstreamTimeout, _reads_data),
)


def _problem_body(
    code: int, path: str, error: type[errors.ServiceError] | None = None, *, gateway: bool = False
) -> dict[str, Any]:
    """A problem as `problems.problem` (or API Gateway's responses) writes it, for a request to `path`."""
    instance = re.sub(r"\{[^}]+\}", lambda m: _PATH_EXAMPLES.get(m.group(0), "x"), path)
    if gateway:  # cloudformation/api.yaml, GatewayResponse DEFAULT_4XX
        title, detail = _GATEWAY_DETAILS[code]
        body = {"type": "urn:sports-api:problem:gateway", "title": title, "status": code, "detail": detail}
        return {**body, "request_id": "c0ffee00-1d2b-4c3d-9e8f-0123456789ab"}
    if error is not None:
        kind, title = f"urn:sports-api:problem:{error.kind}", error.title
    elif code == 500:  # problems._unexpected
        kind, title = "about:blank", "Internal error"
    else:
        kind, title = "about:blank", HTTPStatus(code).phrase
    detail = _DETAILS.get(error.kind if error else code)
    body = {"type": kind, "title": title, "status": code, "detail": detail, "instance": instance}
    body["request_id"] = "5421b380d5024c6b976016d6d57a0788"
    return Problem.model_validate(body).model_dump(exclude_none=True)


_GATEWAY_DETAILS = {403: ("Forbidden", "INVALID_API_KEY"), 429: ("Too Many Requests", "THROTTLED")}
_PATH_EXAMPLES = {"{slug}": "xfl", "{team}": "Giants"}
_DETAILS: dict[str | int, str] = {
    "unknown-league": "No league 'xfl'. GET /v1/leagues lists the catalogue.",
    "unknown-team": "No team answers to 'Giants'. GET /v1/teams lists the catalogue.",
    "ambiguous-team": "'Giants' may mean New York Giants, San Francisco Giants; ask by id.",
    "unknown-parameter": "Unknown query parameter 'sport'; this route accepts: date, from, status, to, tz.",
    "invalid-request": f"status: 'done' is not one of {', '.join(STATUSES)}",
    "misconfigured": "DATA_SOURCE=serpapi but SERPAPI_API_KEY is not set",
    "upstream-budget-exhausted": "The service's budget of 60 upstream searches this hour is spent",
    "upstream-rate-limited": "SerpAPI's rate limit or monthly plan is exhausted",
    "upstream-timeout": "SerpAPI did not answer within 8 s",
    "upstream-unavailable": "SerpAPI failed with HTTP 502",
    "upstream-bad-response": "SerpAPI sent an unusable answer (JSONDecodeError)",
    500: "The error was logged with this request's id.",
}


def _model_example(model: type[BaseModel]) -> Any:
    return model.model_json_schema()["examples"][0]


# The 200 answer of operations whose model declares no example of its own (a
# model's `json_schema_extra` examples come first): the contract test checks
# every example against its schema, and that no operation lacks one.
SUCCESS_EXAMPLES: dict[str, Any] = {
    "listLeagues": [{"slug": lg.slug, "name": lg.name, "sport": lg.sport} for lg in LEAGUES[:3]],
    "getLeagueGames": _model_example(LeagueGames),
    "getSports": _model_example(LeagueGames),
    "getLeagueStandings": _model_example(LeagueStandings),
    "listTeams": [_model_example(TeamInfo)],
    "getTeam": _model_example(TeamInfo),
    "getTeamGames": _model_example(TeamGames),
    "getHealth": {"status": "ok"},
    "getReadiness": {"status": "ready", "source": "serpapi", "cache": "redis"},
    "getQuota": {
        "source": "serpapi",
        "metered": True,
        "plan": {
            "searches_left": 212,
            "searches_per_month": 250,
            "this_month_usage": 38,
            "read_at": "2026-11-27T12:00:04Z",
            "hourly_rate": 0.27,
            "account_api": {"last_error": None, "last_attempt": "2026-11-27T12:00:04Z"},
        },
        "hour": {
            "hour_started": "2026-11-27T12:00:00Z",
            "resets_in": 2017,
            "cap": 60,
            "allowance": 1,
            "spent": 0,
            "failed": 0,
            "failure_allowance": 10,
            "live_stretch": 1.0,
            "shares": {
                "league_reserve": 1,
                "teams": {"limit": 0, "spent": 0},
                "unknown_teams": {"limit": 0, "spent": 0},
                "client": {
                    "limit": 0,
                    "spent": 0,
                    "id": "key:k3y1d",
                    "found_nothing": 0,
                    "found_nothing_limit": 3,
                },
            },
        },
        "cooldown": {"state": "searching", "retry_after": 0, "consecutive_failures": 0},
    },
}

# FastAPI's own 422 schemas: referenced by nothing once every 422 is a problem.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _drop_unused_schemas(document: dict[str, Any]) -> None:
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        others = {key: value for key, value in schemas.items() if key != name}
        text = repr(document.get("paths")) + repr(others)
        if name in schemas and f"#/components/schemas/{name}'" not in text:
            del schemas[name]
