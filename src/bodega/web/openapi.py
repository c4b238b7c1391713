"""The OpenAPI 3.1 description of the admin API, served at ``/api/openapi.json``.

Written by hand, next to nothing else: the document is the API's contract, and a test
compares its paths with the router's ``/api/`` routes, so a route cannot ship without it.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_STRING: Schema = {"type": "string"}
_STRINGS: Schema = {"type": "array", "items": _STRING}
_TIME: Schema = {"type": "string", "format": "date-time"}
_SECONDS: Schema = {"type": "number", "minimum": 0}
_NAME = "An index name: 1-64 of a-z, 0-9, '_' and '-'."


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


def _object(required: list[str], properties: dict[str, Schema], **extra: Any) -> Schema:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
        **extra,
    }


def _content(schema: Schema) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _operation(
    summary: str,
    *,
    ok: tuple[int, str, Schema | None],
    errors: tuple[int, ...],
    body: str | None = None,
    parameters: tuple[Schema, ...] = (),
    description: str | None = None,
    public: bool = False,
) -> dict[str, Any]:
    status, what, schema = ok
    success: dict[str, Any] = {"description": what}
    if schema is not None:
        success.update(_content(schema))
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            str(status): success,
            **{str(e): {"$ref": f"#/components/responses/{_ERRORS[e][0]}"} for e in errors},
        },
    }
    if description:
        operation["description"] = description
    if body is not None:
        operation["requestBody"] = {"required": True, **_content(_ref(body))}
    if parameters:
        operation["parameters"] = list(parameters)
    if public:
        operation["security"] = []
    return operation


def _path_parameter(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": _STRING,
        "description": description,
    }


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


# status -> (component name, description); every error body is an Error
_ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The request is malformed: the message names the field."),
    401: ("Unauthorized", "No credentials, or invalid ones."),
    403: ("Forbidden", "The credentials do not allow this."),
    404: ("NotFound", "No such index, user, token or release (or the caller may not see it)."),
    405: ("NotAllowed", "Not possible on this target (e.g. deleting where the index forbids it)."),
    409: ("Conflict", "Clashes with what is stored (a name taken, other bytes under a name)."),
    413: ("TooLarge", "The request body is larger than 1 MiB."),
    429: ("TooManyAttempts", "Too many failed sign-ins from this client; see Retry-After."),
}
_SIGNED_IN = (400, 401, 403, 429)
_INDEX = _path_parameter("name", _NAME)


def _paths() -> dict[str, Any]:
    changed_files = (200, "The names of the files changed.", _ref("FileList"))
    return {
        "/api/openapi.json": {
            "get": _operation(
                "This document",
                ok=(200, "The OpenAPI document.", {"type": "object"}),
                errors=(),
                public=True,
            )
        },
        "/api/indexes": {
            "get": _operation(
                "List the indexes the caller may read",
                ok=(200, "The indexes.", _ref("IndexList")),
                errors=_SIGNED_IN,
            ),
            "post": _operation(
                "Create an index (server admins)",
                ok=(201, "The new index.", _ref("Index")),
                errors=(*_SIGNED_IN, 409, 413),
                body="IndexCreate",
            ),
        },
        "/api/indexes/{name}": {
            "parameters": [_INDEX],
            "get": _operation(
                "One index", ok=(200, "The index.", _ref("Index")), errors=(*_SIGNED_IN, 404)
            ),
            "patch": _operation(
                "Change an index's configuration (its admins)",
                description="The given keys replace the stored ones; a null value removes a key.",
                ok=(200, "The index as changed.", _ref("Index")),
                errors=(*_SIGNED_IN, 404, 413),
                body="IndexUpdate",
            ),
        },
        "/api/indexes/{name}/yank": {
            "parameters": [_INDEX],
            "post": _operation(
                "Yank a release or one of its files (PEP 592; uploaders of the hosted index)",
                ok=changed_files,
                errors=(*_SIGNED_IN, 404, 405, 413),
                body="YankRequest",
            ),
        },
        "/api/indexes/{name}/unyank": {
            "parameters": [_INDEX],
            "post": _operation(
                "Take back a yank (uploaders of the hosted index)",
                ok=changed_files,
                errors=(*_SIGNED_IN, 404, 405, 413),
                body="YankRequest",
            ),
        },
        "/api/indexes/{name}/delete": {
            "parameters": [_INDEX],
            "post": _operation(
                "Delete files (admins of a hosted index whose config sets allow_delete)",
                description="Without a version, every file of the project goes.",
                ok=changed_files,
                errors=(*_SIGNED_IN, 404, 405, 413),
                body="DeleteRequest",
            ),
        },
        "/api/push": {
            "post": _operation(
                "Promote a release from one hosted index to another (no bytes are copied)",
                description="Needs read access to `from` and upload access to `to`. Files the "
                "target already has with the same bytes are skipped.",
                ok=(200, "The names of the files added to the target.", _ref("FileList")),
                errors=(*_SIGNED_IN, 404, 405, 409, 413),
                body="PushRequest",
            ),
        },
        "/api/users": {
            "get": _operation(
                "List the users (server admins)",
                ok=(200, "The users.", _ref("UserList")),
                errors=_SIGNED_IN,
            ),
            "post": _operation(
                "Create a user (server admins)",
                ok=(201, "The new user.", _ref("User")),
                errors=(*_SIGNED_IN, 409, 413),
                body="UserCreate",
            ),
        },
        "/api/users/{name}": {
            "parameters": [_path_parameter("name", "A user name.")],
            "patch": _operation(
                "Change a user's password, admin flag or groups",
                description="Users may change their own password (not with a token below "
                "admin scope); everything else needs a server admin.",
                ok=(200, "The user as changed.", _ref("User")),
                errors=(*_SIGNED_IN, 404, 413),
                body="UserUpdate",
            ),
        },
        "/api/tokens": {
            "get": _operation(
                "List API tokens (never their values)",
                description="Without `user`, everyone's tokens (server admins only).",
                ok=(200, "The tokens.", _ref("TokenList")),
                errors=_SIGNED_IN,
                parameters=(_query("user", _STRING, "Only this user's tokens."),),
            ),
            "post": _operation(
                "Create an API token; its value is in this response only",
                description="Users may create tokens for themselves, admins for anyone. A "
                "token may only create tokens of its own scope or a narrower one, limited "
                "to its own indexes.",
                ok=(201, "The new token, with its value.", _ref("CreatedToken")),
                errors=(*_SIGNED_IN, 404, 413),
                body="TokenCreate",
            ),
        },
        "/api/tokens/{id}": {
            "parameters": [_path_parameter("id", "The token id (the part after `bodega_`).")],
            "delete": _operation(
                "Revoke a token (its owner or a server admin)",
                ok=(204, "Revoked.", None),
                errors=(*_SIGNED_IN, 404),
            ),
        },
        "/api/audit": {
            "get": _operation(
                "Read the audit log (server admins); it cannot be changed",
                ok=(200, "Entries in serial order.", _ref("AuditEntries")),
                errors=_SIGNED_IN,
                parameters=(
                    _query("index", _STRING, "Only changes of this index."),
                    _query("project", _STRING, "Only changes of this project."),
                    _query("action", _STRING, "Only this action (upload, yank, push, ...)."),
                    _query("actor", _STRING, "Only changes by this actor."),
                    _query("since", _TIME, "At or after this time (ISO 8601 with a zone)."),
                    _query("until", _TIME, "Before this time (ISO 8601 with a zone)."),
                    _query("after", {"type": "integer", "minimum": 0}, "Only serials above this."),
                    _query(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000},
                        "At most this many entries.",
                    ),
                ),
            ),
        },
    }


def _config_schema(*, changes: bool) -> Schema:
    """An index's configuration; in a change, any key may also be null (removal)."""

    def value(schema: Schema) -> Schema:
        return _nullable(schema) if changes else schema

    properties = {
        "readers": value({**_STRINGS, "description": "Who may read: users, @groups, "
                          ":authenticated: or :anonymous: (default [':anonymous:'])."}),
        "uploaders": value({**_STRINGS, "description": "Who may upload and yank "
                            "(default [':authenticated:'])."}),
        "admins": value({**_STRINGS, "description": "Who may change the index and delete."}),
        "allow_delete": value({"type": "boolean", "description": "hosted: files may be deleted."}),
        "allow_overwrite": value({"type": "boolean",
                                  "description": "hosted: a name may get other bytes."}),
        "upstream": value({**_STRING, "description": "proxy: upstream simple index URL, "
                           "or 'pip-config'."}),
        "username": value({**_STRING, "description": "proxy: upstream user."}),
        "password": value({**_STRING, "writeOnly": True,
                           "description": "proxy: upstream password (shown as ***)."}),
        "ttl": value(_SECONDS),
        "root_ttl": value(_SECONDS),
        "negative_ttl": value(_SECONDS),
        "refresh_timeout": value(_SECONDS),
        "members": value({**_STRINGS, "description": "group: member indexes, in order."}),
        "allow_upstream": value({**_STRINGS, "description": "group: projects whose upstream "
                                 "versions may mix with private ones."}),
        "routes": value({"type": "object", "additionalProperties": _STRING,
                         "description": "group: project -> the one member to consult."}),
    }  # fmt: skip
    # a change may remove any key; a stored config (from a config file) may hold other keys
    extra: Schema | bool = {"type": "null"} if changes else True
    return {"type": "object", "properties": properties, "additionalProperties": extra}


def _schemas() -> dict[str, Schema]:
    token_properties: dict[str, Schema] = {
        "id": _STRING,
        "user": _STRING,
        "scope": {"enum": ["read", "upload", "admin"]},
        "indexes": {**_STRINGS, "description": "Empty: every index the user may use."},
        "description": _nullable(_STRING),
        "created_at": _TIME,
        "expires_at": _nullable(_TIME),
        "revoked_at": _nullable(_TIME),
    }
    return {
        "Error": _object(
            ["error", "message", "hint"],
            {
                "error": {**_STRING, "description": "A stable code, e.g. 'forbidden'."},
                "message": _STRING,
                "hint": _nullable(_STRING),
            },
        ),
        "IndexConfig": _config_schema(changes=False),
        "IndexConfigChanges": _config_schema(changes=True),
        "Index": _object(
            ["name", "kind", "config", "created_at"],
            {
                "name": _STRING,
                "kind": {"enum": ["hosted", "proxy", "group"]},
                "config": _ref("IndexConfig"),
                "created_at": _TIME,
            },
        ),
        "IndexList": _object(["indexes"], {"indexes": {"type": "array", "items": _ref("Index")}}),
        "IndexCreate": _object(
            ["name", "kind"],
            {
                "name": {**_STRING, "description": _NAME},
                "kind": {"enum": ["hosted", "proxy", "group"]},
                "config": _ref("IndexConfig"),
            },
        ),
        "IndexUpdate": _object(["config"], {"config": _ref("IndexConfigChanges")}),
        "User": _object(
            ["name", "admin", "groups", "created_at"],
            {
                "name": _STRING,
                "admin": {"type": "boolean"},
                "groups": _STRINGS,
                "created_at": _TIME,
            },
        ),
        "UserList": _object(["users"], {"users": {"type": "array", "items": _ref("User")}}),
        "UserCreate": _object(
            ["name", "password"],
            {
                "name": _STRING,
                "password": {**_STRING, "writeOnly": True},
                "admin": {"type": "boolean", "default": False},
                "groups": _STRINGS,
            },
        ),
        "UserUpdate": _object(
            [],
            {
                "password": _nullable({**_STRING, "writeOnly": True}),
                "admin": _nullable({"type": "boolean"}),
                "groups": _nullable(_STRINGS),
            },
            description="Absent or null fields stay as they are; at least one must be given.",
        ),
        "Token": _object(list(token_properties), token_properties),
        "CreatedToken": _object(
            [*token_properties, "value"],
            {**token_properties, "value": {**_STRING, "description": "The token; shown once."}},
        ),
        "TokenList": _object(["tokens"], {"tokens": {"type": "array", "items": _ref("Token")}}),
        "TokenCreate": _object(
            ["user", "scope", "indexes"],
            {
                "user": _STRING,
                "scope": {"enum": ["read", "upload", "admin"]},
                "indexes": {
                    **_STRINGS,
                    "description": "Limit the token to these indexes; "
                    "[] for every index the user may use.",
                },
                "expires_at": _nullable({**_TIME, "description": "ISO 8601 with a time zone."}),
                "expires_in_days": _nullable({"type": "integer", "minimum": 1, "maximum": 36500}),
                "description": _nullable(_STRING),
            },
            description="At most one of expires_at and expires_in_days; neither: no expiry.",
        ),
        "YankRequest": _object(
            ["project", "version"],
            {
                "project": _STRING,
                "version": _STRING,
                "filename": _nullable(_STRING),
                "reason": _nullable({**_STRING, "maxLength": 1000}),
            },
        ),
        "DeleteRequest": _object(
            ["project"],
            {"project": _STRING, "version": _nullable(_STRING), "filename": _nullable(_STRING)},
        ),
        "PushRequest": _object(
            ["project", "version", "from", "to"],
            {"project": _STRING, "version": _STRING, "from": _STRING, "to": _STRING},
        ),
        "FileList": _object(["files"], {"files": _STRINGS}),
        "AuditEntry": _object(
            ["serial", "at", "action", "index", "project", "actor", "remote_addr", "detail"],
            {
                "serial": {"type": "integer"},
                "at": _TIME,
                "action": _STRING,
                "index": _nullable(_STRING),
                "project": _nullable(_STRING),
                "actor": _nullable(_STRING),
                "remote_addr": _nullable(_STRING),
                "detail": {"type": "object"},
            },
        ),
        "AuditEntries": _object(
            ["entries"], {"entries": {"type": "array", "items": _ref("AuditEntry")}}
        ),
    }


def _responses() -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, (name, description) in _ERRORS.items():
        response: dict[str, Any] = {"description": description, **_content(_ref("Error"))}
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {"schema": _STRING}}
        if status == 429:
            response["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
        responses[name] = response
    return responses


def openapi_document(version: str) -> dict[str, Any]:
    """The whole document, for server ``version``."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "bodega admin API",
            "version": version,
            "description": "Manage a bodega server's indexes, users, tokens and releases, and "
            "read its audit log. Bodies are JSON; unknown fields are refused. Errors are "
            '`{"error": code, "message": ..., "hint": ...}`.',
        },
        "security": [{"basic": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "basic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "User `__token__` with an API token as the password "
                    "(what the CLI's --token sends), or a user name and password.",
                }
            },
            "schemas": _schemas(),
            "responses": _responses(),
        },
    }
