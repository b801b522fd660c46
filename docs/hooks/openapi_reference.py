"""MkDocs hook: the API reference page, rendered from the service's own OpenAPI document.

At every build (`make docs`, `make docs-serve`) the document is made the way
`scripts/openapi.py check` makes it (its `app_document()`: `create_app()` with
demo settings, in this process; no server, no network), then:

- `reference/openapi.json` is added to the site, exactly that document;
- the marker line in docs/reference/openapi.md is replaced by Markdown: every
  operation by tag (parameters, responses, the success example) and every
  schema (fields, types, what each means), linked to one another.

Plain Markdown and tables, no JavaScript: the page reads offline like the rest
of the site. Loaded by mkdocs.yml (`hooks:`); this folder is not a page
(`exclude_docs`).
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
PAGE = "reference/openapi.md"
MARKER = "<!-- openapi: rendered here from the service's document at build time -->"
DOCUMENT = "reference/openapi.json"
METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
# An enum longer than this is summarised.
ENUM_SHOWN = 12


@cache
def document() -> dict[str, Any]:
    """scripts/openapi.py's `app_document()`: the document the app serves at /openapi.json."""
    script = ROOT / "scripts" / "openapi.py"
    spec = importlib.util.spec_from_file_location("_sports_api_openapi_script", script)
    assert spec and spec.loader, "scripts/openapi.py is missing"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app_document()


def on_files(files: Files, config: Any) -> Files:
    text = json.dumps(document(), indent=2, ensure_ascii=False) + "\n"
    files.append(File.generated(config, DOCUMENT, content=text))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"{PAGE}: the marker line is missing: {MARKER}")
    return markdown.replace(MARKER, render(document()))


# ---- rendering -------------------------------------------------------------------------


def _one_line(text: str | None) -> str:
    """Text for a table cell: one line, pipes escaped."""
    return " ".join((text or "").split()).replace("|", "\\|")


def _schema_anchor(name: str) -> str:
    return "schema-" + name.lower()


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> str:
    """A schema as a short Markdown type: `string`, [Game](#schema-game)[], `string` or null, ..."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f"[{name}](#{_schema_anchor(name)})"
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            parts = [type_of(part) for part in schema[combinator]]
            return " or ".join(dict.fromkeys(parts))
    kind = schema.get("type")
    if kind == "array":
        return type_of(schema.get("items", {})) + "[]"
    if kind == "null":
        return "null"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of {type_of(schema['additionalProperties'])}"
    text = f"`{kind}`" if kind else "any"
    if schema.get("format"):
        text += f" ({schema['format']})"
    return text


def constraints(schema: dict[str, Any]) -> str:
    """Allowed values and limits, as a short phrase."""
    found: list[str] = []
    for part in [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]:
        if "enum" in part:
            values = [f"`{value}`" for value in part["enum"]]
            if len(values) > ENUM_SHOWN:
                found.append(f"one of {len(values)} values ({', '.join(values[:3])}, ...)")
            else:
                found.append("one of " + ", ".join(values))
        for key, word in (
            ("minimum", "at least"),
            ("maximum", "at most"),
            ("minLength", "length at least"),
            ("maxLength", "length at most"),
        ):
            if key in part:
                found.append(f"{word} {part[key]}")
    if "default" in schema and schema["default"] is not None:
        found.append(f"default `{json.dumps(schema['default'])}`")
    return "; ".join(dict.fromkeys(found))


_RENDERING: dict[str, Any] = {}  # the document `render` is writing: what a `$ref` points into


def _deref(item: dict[str, Any]) -> dict[str, Any]:
    """A shared parameter, response or header (`#/components/...`) as the component it refers to."""
    while "$ref" in item and item["$ref"].startswith("#/"):
        found: Any = _RENDERING
        for part in item["$ref"][2:].split("/"):
            found = found[part]
        item = found
    return item


def _parameters(operation: dict[str, Any]) -> list[str]:
    parameters = [_deref(parameter) for parameter in operation.get("parameters", [])]
    if not parameters:
        return []
    lines = ["**Parameters**", "", "| name | in | type | required | description |", "|---|---|---|---|---|"]
    for parameter in parameters:
        schema = parameter.get("schema", {})
        description = parameter.get("description") or schema.get("description")
        limits = constraints(schema)
        cell = _one_line(description) + (f" ({_one_line(limits)})" if limits else "")
        lines.append(
            f"| `{parameter['name']}` | {parameter['in']} | {type_of(schema)} | "
            f"{'yes' if parameter.get('required') else 'no'} | {cell} |"
        )
    return [*lines, ""]


def _responses(operation: dict[str, Any]) -> list[str]:
    lines = ["**Responses**", "", "| status | body | description |", "|---|---|---|"]
    example: Any = None
    for status, shared in sorted(operation.get("responses", {}).items(), key=lambda item: item[0]):
        response = _deref(shared)
        bodies = []
        for media, content in response.get("content", {}).items():
            schema = content.get("schema")
            bodies.append(f"{type_of(schema)} `{media}`" if schema else f"`{media}`")
            if example is None and status.startswith("2") and content.get("examples"):
                example = next(iter(content["examples"].values())).get("value")
        body_cell = "<br>".join(bodies) or "-"
        lines.append(f"| {status} | {body_cell} | {_one_line(response.get('description'))} |")
    lines.append("")
    if example is not None:
        body = json.dumps(example, indent=2, ensure_ascii=False)
        lines += ['??? example "Example answer"', "", "    ```json"]
        lines += [f"    {line}" for line in body.splitlines()]
        lines += ["    ```", ""]
    return lines


def _operation(path: str, method: str, operation: dict[str, Any], secured: bool) -> list[str]:
    lines = [f"### `{method.upper()} {path}` {{ #{operation['operationId']} }}", ""]
    if operation.get("summary"):
        lines += [operation["summary"] + ".", ""]
    if operation.get("description"):
        lines += [operation["description"].strip(), ""]
    lines += [
        f"Operation id `{operation['operationId']}`; "
        + ("needs the API key (`x-api-key`) when deployed." if secured else "open: no API key."),
        "",
    ]
    return lines + _parameters(operation) + _responses(operation)


def _schema(name: str, schema: dict[str, Any]) -> list[str]:
    lines = [f"### {name} {{ #{_schema_anchor(name)} }}", ""]
    if schema.get("description"):
        lines += [schema["description"].strip(), ""]
    properties = schema.get("properties", {})
    if not properties:
        limits = constraints(schema)
        return [*lines, f"{type_of(schema)}" + (f": {limits}" if limits else ""), ""]
    required = set(schema.get("required", []))
    lines += ["| field | type | required | description |", "|---|---|---|---|"]
    for field, prop in properties.items():
        limits = constraints(prop)
        cell = _one_line(prop.get("description")) + (f" ({_one_line(limits)})" if limits else "")
        lines.append(f"| `{field}` | {type_of(prop)} | {'yes' if field in required else 'no'} | {cell} |")
    return [*lines, ""]


def render(doc: dict[str, Any]) -> str:
    _RENDERING.clear()
    _RENDERING.update(doc)
    info = doc["info"]
    lines = [
        f"Generated from the OpenAPI {doc['openapi']} document of {info['title']} "
        f"{info['version']}, as the service serves it at `/openapi.json`: "
        "[download it](openapi.json).",
        "",
        info.get("description", "").strip(),
        "",
    ]
    schemes = doc.get("components", {}).get("securitySchemes", {})
    for scheme in schemes.values():
        if scheme.get("type") == "apiKey":
            where = f"`{scheme['name']}` {scheme['in']}"
            lines += [f"**Authentication.** {where}: {scheme.get('description', '')}", ""]
    default_security = doc.get("security")
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append((path, method, operation))
    descriptions = {tag["name"]: tag.get("description", "") for tag in doc.get("tags", [])}
    order = [tag["name"] for tag in doc.get("tags", [])] + sorted(set(by_tag) - set(descriptions))
    for tag in order:
        if tag not in by_tag:
            continue
        lines += [f"## {tag}", ""]
        if descriptions.get(tag):
            lines += [descriptions[tag], ""]
        for path, method, operation in by_tag[tag]:
            secured = bool(operation.get("security", default_security))
            lines += _operation(path, method, operation, secured)
    lines += ["## Schemas", ""]
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        lines += _schema(name, schema)
    return "\n".join(lines)
