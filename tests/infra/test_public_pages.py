"""The pages for people open on the deployed stage without a key (issue 22), and only they do.

A browser sends no API key, so GET and HEAD on the scoreboard (`/`), its files
(`/static/...`), the docs (`/docs`, `/redoc`), their files (`/docs/assets/...`)
and the `/openapi.json` they load need none; every other verb on those paths and
every data route keeps the key, and a WAF rate rule caps what one IP may ask of
the keyless pages. The last test reads the pages the app serves and checks that
everything they load is on a keyless path, so a new asset path cannot slip past.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.infra.cfn import gateway_method, load, resources, sub_text

PUBLIC = (
    "/", "/static/scoreboard.css", "/events/nfl",
    "/docs", "/docs/assets/swagger-ui.css", "/redoc", "/openapi.json",
)  # fmt: skip
STAGE = "live"


def test_every_public_page_is_a_keyless_get_and_head_to_the_same_path() -> None:
    for path in PUBLIC:
        for verb in ("GET", "HEAD"):
            found = gateway_method(path, verb)
            assert found, f"API Gateway answers 403 to {verb} {path}"
            logical_id, method = found
            assert method["ApiKeyRequired"] is False, (verb, path, logical_id)
            assert method["HttpMethod"] == verb == method["Integration"]["IntegrationHttpMethod"]
            uri = sub_text(method["Integration"]["Uri"])
            assert uri is not None
            target = urlsplit(uri.replace("${Host}", "alb.internal")).path
            assert re.sub(r"\{(proxy|slug)\}", path.rsplit("/", 1)[-1], target) == path, (logical_id, uri)
            params = method["Integration"]["RequestParameters"]
            # No key, so no key id: the app must not see a caller's id it did not check.
            assert not any("x-api-key-id" in name.lower() for name in params), logical_id
            for name in re.findall(r"\{(proxy|slug)\}", target):
                assert params[f"integration.request.path.{name}"] == f"method.request.path.{name}"
                assert method["RequestParameters"] == {f"method.request.path.{name}": True}


def test_only_get_and_head_are_open_and_the_data_keeps_its_key() -> None:
    for path in PUBLIC:
        for verb in ("POST", "PUT", "DELETE", "PATCH"):
            found = gateway_method(path, verb)
            assert found is None or found[1]["ApiKeyRequired"] is True, (verb, path)
    for path in (
        "/v1/leagues",
        "/v1/leagues/nfl/games",
        "/v1/teams/x",
        "/v1/me/teams",
        "/v1/quota",
        "/sports",
    ):
        found = gateway_method(path, "GET")
        assert found and found[1]["ApiKeyRequired"] is True, path


def test_open_methods_say_why_to_checkov() -> None:
    methods = resources(load("api"), "AWS::ApiGateway::Method")
    for logical_id, method in methods.items():
        if method["Properties"]["ApiKeyRequired"]:
            continue
        skips = method["Metadata"]["checkov"]["skip"]
        assert [s["id"] for s in skips] == ["CKV_AWS_59"], logical_id
        assert len(skips[0]["comment"]) > 40, logical_id


def _rule(name: str) -> dict[str, Any]:
    acl = resources(load("api"), "AWS::WAFv2::WebACL")["WebAcl"]["Properties"]
    priorities = [rule["Priority"] for rule in acl["Rules"]]
    assert len(set(priorities)) == len(priorities), "WAF priorities must be unique"
    return next(rule for rule in acl["Rules"] if rule["Name"] == name)


def _matches(statement: dict[str, Any], path: str) -> bool:
    """Whether a ByteMatch (or an Or of them) on the URI path matches `path`, with the stage's name."""
    if "OrStatement" in statement:
        return any(_matches(inner, path) for inner in statement["OrStatement"]["Statements"])
    match = statement["ByteMatchStatement"]
    assert match["FieldToMatch"] == {"UriPath": {}}
    assert match["TextTransformations"] == [{"Priority": 0, "Type": "NONE"}]
    wanted = sub_text(match["SearchString"]).replace("${StageName}", STAGE)
    constraint = match["PositionalConstraint"]
    if constraint == "EXACTLY":
        return path == wanted
    if constraint == "STARTS_WITH":
        return path.startswith(wanted)
    raise AssertionError(f"unexpected constraint {constraint}")


def test_a_waf_rate_rule_guards_the_keyless_pages_and_only_them() -> None:
    template = load("api")
    rule = _rule("public-pages-rate")
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    assert rule["VisibilityConfig"]["MetricName"] == "public-pages-rate"
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP" and rate["EvaluationWindowSec"] == 300
    assert rate["Limit"] == {"Ref": "PublicPagesRateLimit"}
    params = template["Parameters"]
    assert params["PublicPagesRateLimit"]["Default"] < params["WafRateLimit"]["Default"]
    scope = rate["ScopeDownStatement"]
    for path in (*PUBLIC, "/docs/assets/redoc.standalone.js", "/static/favicon.svg"):
        assert _matches(scope, f"/{STAGE}{path}"), path
    assert _matches(scope, f"/{STAGE}")  # the stage's root without its slash is the scoreboard too
    for path in ("/v1/leagues/nfl/games", "/health", "/v1/teams/docs", "/sports"):
        assert not _matches(scope, f"/{STAGE}{path}"), path
    # The rule sits before the managed groups and after the all-traffic rate rule.
    assert _rule("per-ip-rate")["Priority"] < rule["Priority"] < _rule("aws-ip-reputation")["Priority"]


class _Links(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        loads = {"script": "src", "img": "src", "link": "href"}
        for name, value in attrs:
            if value and loads.get(tag) == name:
                self.urls.append(value)


def test_what_the_pages_load_is_keyless_too(serve) -> None:
    server = serve()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        loaded: set[str] = set()
        for page in ("/", "/?league=premier-league", "/docs", "/redoc"):
            answer = client.get(page)
            assert answer.status_code == 200, page
            loaded |= {urlsplit(url).path for url in _Links(answer.text).urls}
            loaded |= set(re.findall(r"""(?:url|spec-url)\s*[:=]\s*['"](/[^'"]+)['"]""", answer.text))
    assert "/openapi.json" in loaded and any(p.startswith("/docs/assets/") for p in loaded), loaded
    for path in loaded:
        found = gateway_method(path, "GET")
        assert found and found[1]["ApiKeyRequired"] is False, f"{path} would need a key"
