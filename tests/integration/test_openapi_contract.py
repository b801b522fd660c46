"""The OpenAPI document as client generators read it (issue 17), and that the service keeps its word.

Operation ids, the API-key scheme on exactly the routes API Gateway protects
(read from cloudformation/api.yaml), the problem schema on every error
response, an example for every answer that validates against its schema, and
the response headers, each checked against real answers on loopback.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from pydantic import BaseModel

from sports_api.web import openapi
from sports_api.web.app import create_app
from tests.conftest import settings
from tests.gateway import GATEWAY_KEY, ApiKeyGate
from tests.infra import cfn
from tests.servers import ROOT, ThreadServer

# Every operation of the document and its id: a new route must be named here.
OPERATION_IDS = {
    ("get", "/v1/leagues"): "listLeagues",
    ("get", "/v1/leagues/{slug}/games"): "getLeagueGames",
    ("get", "/v1/leagues/{slug}/standings"): "getLeagueStandings",
    ("get", "/v1/leagues/{slug}/results"): "getLeagueResults",
    ("get", "/sports"): "getSports",
    ("get", "/v1/teams"): "listTeams",
    ("get", "/v1/teams/{team}"): "getTeam",
    ("get", "/v1/teams/{team}/games"): "getTeamGames",
    ("get", "/v1/teams/{team}/results"): "getTeamResults",
    ("get", "/v1/me/teams"): "getMyTeams",
    ("put", "/v1/me/teams/{team}"): "putMyTeam",
    ("delete", "/v1/me/teams/{team}"): "deleteMyTeam",
    ("get", "/v1/me/games"): "getMyGames",
    ("get", "/v1/leagues/{slug}/events"): "getLeagueEvents",
    ("get", "/v1/teams/{team}/events"): "getTeamEvents",
    ("get", "/v1/me/events"): "getMyEvents",
    ("get", "/health"): "getHealth",
    ("get", "/ready"): "getReadiness",
    ("get", "/v1/quota"): "getQuota",
}
# Answered by `responses.data_response`: cached data with validators.
DATA_OPERATIONS = {"getLeagueGames", "getLeagueStandings", "getSports", "getTeamGames"}
PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SHARED = ("#/components/parameters/", "#/components/responses/", "#/components/headers/")


@pytest.fixture
def document() -> dict[str, Any]:
    return inline(create_app(settings()).openapi())


def inline(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its shared parameters, responses and headers (components) written where used."""
    found = copy.deepcopy(document)
    components = found.get("components", {})

    def deref(item: dict[str, Any]) -> dict[str, Any]:
        while item.get("$ref", "").startswith(SHARED):
            kind, name = item["$ref"].split("/")[2:4]
            item = copy.deepcopy(components[kind][name])
        return item

    for ops in found["paths"].values():
        for op in ops.values():
            op["parameters"] = [deref(parameter) for parameter in op.get("parameters", ())]
            op["responses"] = {code: deref(response) for code, response in op["responses"].items()}
            for response in op["responses"].values():
                response["headers"] = {n: deref(h) for n, h in response.get("headers", {}).items()}
    return found


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    paths = inline(document)["paths"]
    return [(method, path, op) for path, ops in paths.items() for method, op in ops.items()]


def validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a schema of the document, its `#/components/...` references resolved."""
    return Draft202012Validator({**schema, "components": document["components"]})


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_operation_ids_read_like_a_person_chose_them(document: dict[str, Any]) -> None:
    found = {(method, path): op["operationId"] for method, path, op in operations(document)}
    assert found == OPERATION_IDS


def test_operation_ids_come_from_fastapis_hook_not_one_string_per_route(monkeypatch) -> None:
    named: dict[tuple[str, str], str] = {}
    hook = openapi.operation_id

    def recording(route: APIRoute) -> str:
        # FastAPI asks the hook only for routes without a hand-set operation_id.
        named[(next(iter(route.methods)).lower(), route.path)] = chosen = hook(route)
        return chosen

    monkeypatch.setattr(openapi, "operation_id", recording)
    document = create_app(settings()).openapi()
    found = {(method, path): op["operationId"] for method, path, op in operations(document)}
    assert found and all(named.get(key) == id_ for key, id_ in found.items()), (found, named)


class _Venue(BaseModel):
    id: str


def test_the_rule_names_routes_it_has_not_seen() -> None:
    app = FastAPI(generate_unique_id_function=openapi.operation_id)

    async def listed() -> list[_Venue]:
        return []

    async def one() -> _Venue:
        return _Venue(id="x")

    app.get("/v2/venues")(listed)
    app.get("/v2/venues/{venue}")(one)
    app.post("/v2/venues")(one)
    app.delete("/v2/venues/{venue}")(one)
    app.get("/v2/match-centres/{id}/box-scores")(listed)
    app.get("/v2/countries/{code}/cities")(one)
    app.get("/v2/classes/{name}")(one)
    app.get("/")(one)
    ids = {(next(iter(r.methods)), r.path): r.unique_id for r in app.routes if isinstance(r, APIRoute)}
    assert ids == {
        ("GET", "/v2/venues"): "listVenues",
        ("GET", "/v2/venues/{venue}"): "getVenue",
        ("POST", "/v2/venues"): "createVenues",
        ("DELETE", "/v2/venues/{venue}"): "deleteVenue",
        ("GET", "/v2/match-centres/{id}/box-scores"): "listMatchCentreBoxScores",
        ("GET", "/v2/countries/{code}/cities"): "getCountryCities",
        ("GET", "/v2/classes/{name}"): "getClass",
        ("GET", "/"): "getRoot",
    }


def _keyless_paths_in_the_gateway() -> set[str]:
    """Paths of cloudformation/api.yaml's methods that take no API key, `{proxy+}` kept as is."""
    template = cfn.load("api")
    api_resources = cfn.resources(template, "AWS::ApiGateway::Resource")

    def path_of(resource: Any) -> str:
        if isinstance(resource, dict) and "Fn::GetAtt" in resource:
            return ""  # the RestApi's root resource
        props = api_resources[resource["Ref"]]["Properties"]
        return f"{path_of(props['ParentId'])}/{props['PathPart']}"

    open_paths = set()
    for method in cfn.resources(template, "AWS::ApiGateway::Method").values():
        props = method["Properties"]
        if props.get("ApiKeyRequired") in (True, "true"):
            continue
        assert props["HttpMethod"] in ("GET", "HEAD"), f"a keyless {props['HttpMethod']} method"
        open_paths.add(path_of(props["ResourceId"]) or "/")
    return open_paths


def test_the_api_key_scheme_covers_what_api_gateway_protects(document: dict[str, Any]) -> None:
    keyless = _keyless_paths_in_the_gateway()
    assert keyless == openapi.KEYLESS_PATHS, "cloudformation/api.yaml and openapi.KEYLESS_PATHS disagree"
    scheme = document["components"]["securitySchemes"][openapi.API_KEY_SCHEME]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "x-api-key"}
    for _, path, op in operations(document):
        wanted = [] if path in keyless else [{openapi.API_KEY_SCHEME: []}]
        assert op["security"] == wanted, path
    assert any(op["security"] == [] for _, _, op in operations(document))  # /health, as deployed


def test_every_error_answer_is_a_problem_generators_understand(document: dict[str, Any]) -> None:
    for _, path, op in operations(document):
        responses = op["responses"]
        assert "default" in responses, path
        errors = [code for code in responses if code == "default" or int(code) >= 400]
        for code in errors:
            content = responses[code]["content"]
            assert list(content) == [PROBLEM], f"{path} {code}: {list(content)}"
            assert content[PROBLEM]["schema"] == PROBLEM_REF, f"{path} {code}"
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert {"type", "title", "status"} <= set(schemas["Problem"]["properties"])
    assert {"title", "status"} <= set(schemas["Problem"]["required"])


def test_every_answer_has_examples_that_fit_its_schema(document: dict[str, Any]) -> None:
    missing = []
    for _, path, op in operations(document):
        for code in ("200", "201"):
            ok = op["responses"].get(code, {}).get("content", {}).get("application/json")
            if ok is None:
                continue
            if not ok.get("examples"):
                missing.append(f"{op['operationId']} {code}")
            for example in ok.get("examples", {}).values():
                validator(document, ok["schema"]).validate(example["value"])
        for code, response in op["responses"].items():
            if code in ("200", "201") or "content" not in response:
                continue
            problems = response["content"][PROBLEM]["examples"]
            assert problems, f"{path} {code}"
            for name, example in problems.items():
                validator(document, PROBLEM_REF).validate(example["value"])
                assert example["value"]["status"] == (500 if code == "default" else int(code)), (path, name)
        for parameter in op.get("parameters", ()):
            if parameter["in"] == "path":
                assert parameter.get("examples"), f"{path}: path parameter {parameter['name']} has no example"
    # The fix: `json_schema_extra={"examples": [...]}` on the answer's model (or openapi.SUCCESS_EXAMPLES).
    assert not missing, f"answers without an example: {', '.join(missing)}"


def test_not_found_examples_fit_the_route(document: dict[str, Any]) -> None:
    def kinds(path: str, code: str) -> set[str]:
        return set(document["paths"][path]["get"]["responses"][code]["content"][PROBLEM]["examples"])

    assert kinds("/v1/leagues/{slug}/games", "404") == {"unknown-league"}
    assert kinds("/v1/teams/{team}", "404") == {"unknown-team"}
    assert kinds("/v1/teams/{team}", "409") == {"ambiguous-team"}
    assert kinds("/ready", "503") == {"misconfigured"}
    assert {"upstream-rate-limited", "upstream-budget-exhausted", "misconfigured"} <= kinds("/sports", "503")


def test_response_headers_are_declared(document: dict[str, Any]) -> None:
    validated = {op["operationId"] for _, _, op in operations(document) if "304" in op["responses"]}
    assert validated >= DATA_OPERATIONS
    for _, path, op in operations(document):
        for code, response in op["responses"].items():
            assert response["headers"]["X-Request-ID"]["required"] is True, (path, code)
        if op["operationId"] in validated:
            for code in ("200", "304"):
                headers = op["responses"][code]["headers"]
                assert {"ETag", "Cache-Control", "X-Request-ID"} <= set(headers), (path, code)
                assert all(headers[name]["required"] for name in ("ETag", "Cache-Control")), (path, code)
        elif "200" in op["responses"]:
            assert "ETag" not in op["responses"]["200"]["headers"], path
        if op["operationId"] in DATA_OPERATIONS:
            assert "Retry-After" in op["responses"]["503"]["headers"], path


def _example_url(path: str, op: dict[str, Any]) -> str:
    for parameter in op.get("parameters", ()):
        if parameter["in"] == "path":
            first = next(iter(parameter["examples"].values()))["value"]
            path = path.replace("{" + parameter["name"] + "}", first)
    return path


@pytest.fixture
def gated() -> Iterator[tuple[ThreadServer, FastAPI]]:
    """The app behind API Gateway's key check, as deployed."""
    app = create_app(settings())
    server = ThreadServer(ApiKeyGate(app)).start()  # type: ignore[arg-type]
    yield server, app
    server.stop()


def test_the_served_document_and_answers_keep_its_word(gated: tuple[ThreadServer, FastAPI]) -> None:
    server, app = gated
    with httpx.Client(base_url=server.url, timeout=10, headers={"x-api-key": GATEWAY_KEY}) as client:
        document = client.get("/openapi.json").json()
        assert document == app.openapi()
        for method, path, op in operations(document):
            if method != "get" or "text/event-stream" in op["responses"]["200"].get("content", {}):
                continue  # an event stream does not end: tests/integration/test_events.py reads them
            url = _example_url(path, op)
            ok = op["responses"]["200"]
            for attempt in ("miss", "hit"):  # the second answer comes from the hot path
                answer = client.get(url)
                assert answer.status_code == 200, (url, attempt, answer.text)
                validator(document, ok["content"]["application/json"]["schema"]).validate(answer.json())
                for name, header in ok["headers"].items():
                    assert not header.get("required") or name in answer.headers, (url, attempt, name)
            if "304" in op["responses"]:
                again = client.get(url, headers={"If-None-Match": answer.headers["ETag"]})
                assert again.status_code == 304, url
                assert {"etag", "cache-control", "x-request-id"} <= set(again.headers), url
        missing = client.get("/v1/leagues/xfl/games")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == PROBLEM
        assert "x-request-id" in missing.headers
        validator(document, PROBLEM_REF).validate(missing.json())
        unknown_team = client.get("/v1/teams?league=xfl")  # an undeclared status: the `default` response
        assert unknown_team.status_code == 404
        validator(document, PROBLEM_REF).validate(unknown_team.json())


def test_the_lint_check_passes_and_can_fail(tmp_path) -> None:
    script = ROOT / "scripts" / "openapi.py"
    good = subprocess.run([sys.executable, script, "check"], capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    assert "valid OpenAPI 3.1" in good.stdout
    broken = tmp_path / "broken.json"
    broken.write_text('{"openapi": "3.1.0", "info": {"title": "no version"}, "paths": {}}')
    bad = subprocess.run(
        [sys.executable, script, "check", broken], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 1
    assert "version" in bad.stderr
