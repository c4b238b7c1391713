"""The OpenAPI document: served without credentials, and describing exactly the router's
``/api/`` routes, so a route added without documentation fails here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bodega import __version__
from bodega.web.openapi import openapi_document
from bodega.web.routes.admin.index_config import CONFIG_KEYS
from tests.e2e.admin.conftest import Api

_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    reply = api.anonymous().get("/api/openapi.json").expect(200)
    parsed = reply.json
    assert isinstance(parsed, dict)
    return parsed


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in _METHODS:
                yield method, path, operation


def refs(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                yield item
            else:
                yield from refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs(item)


def resolve(document: dict[str, Any], ref: str) -> object:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        assert part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def test_document_is_served_without_credentials_as_openapi_3_1(document: dict[str, Any]) -> None:
    assert document == json.loads(json.dumps(openapi_document(__version__)))
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["version"] == __version__
    scheme = document["components"]["securitySchemes"]["basic"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "basic")
    assert "__token__" in scheme["description"]
    assert document["security"] == [{"basic": []}]


async def test_every_api_route_is_documented_and_nothing_else(
    document: dict[str, Any], api_routes: set[tuple[str, str]]
) -> None:
    documented = {(method, path) for method, path, _ in operations(document)}
    assert api_routes, "the router has no /api/ routes"
    assert documented == api_routes


def test_every_reference_resolves_and_every_operation_answers(document: dict[str, Any]) -> None:
    for ref in set(refs(document)):
        resolve(document, ref)
    for method, path, operation in operations(document):
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), (method, path)
        public = operation.get("security") == []
        assert public == (path == "/api/openapi.json"), (method, path)
        if not public:
            assert {"401", "403"} <= set(responses), (method, path)
        declared = [
            *document["paths"][path].get("parameters", []),
            *operation.get("parameters", []),
        ]
        in_path = {p["name"] for p in declared if p["in"] == "path"}
        assert in_path == set(re.findall(r"{(\w+)}", path)), (method, path)


def test_error_responses_describe_the_json_error_body(document: dict[str, Any]) -> None:
    responses = document["components"]["responses"]
    for response in responses.values():
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}
    assert "WWW-Authenticate" in responses["Unauthorized"]["headers"]
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message", "hint"}


def test_request_bodies_refuse_unknown_fields_as_the_server_does(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for method, path, operation in operations(document):
        if "requestBody" in operation:
            body = resolve(
                document, operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            )
            assert isinstance(body, dict)
            assert body["additionalProperties"] is False, (method, path)
    assert set(schemas["IndexConfig"]["properties"]) == set(CONFIG_KEYS)
    assert set(schemas["IndexConfigChanges"]["properties"]) == set(CONFIG_KEYS)
