"""The keys an index's configuration may have, and the JSON type of each.

The indexes read their configuration leniently (a proxy turns ``ttl`` into a float, the
policy skips malformed access lists); the API refuses a key no index knows or a value
of the wrong type up front, naming the key, so a typo never becomes a silent no-op.
Which keys matter for which kind, and how they fit together, is the index validator's
business (``IndexAdmin``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bodega.domain.errors import InvalidInput
from bodega.web.routes.admin.wire import describe_type


def _string(value: Any) -> bool:
    return isinstance(value, str)


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _seconds(value: Any) -> bool:
    return _number(value) and bool(value >= 0)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _routes(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


_KEYS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    # every kind: access lists (see bodega.auth.policy)
    "readers": ("an array of strings", _strings),
    "uploaders": ("an array of strings", _strings),
    "admins": ("an array of strings", _strings),
    # hosted
    "allow_delete": ("a boolean", _flag),
    "allow_overwrite": ("a boolean", _flag),
    # proxy
    "upstream": ("a string", _string),
    "username": ("a string", _string),
    "password": ("a string", _string),
    "ttl": ("a number of seconds (>= 0)", _seconds),
    "root_ttl": ("a number of seconds (>= 0)", _seconds),
    "negative_ttl": ("a number of seconds (>= 0)", _seconds),
    "refresh_timeout": ("a number of seconds (>= 0)", _seconds),
    # group
    "members": ("an array of strings", _strings),
    "allow_upstream": ("an array of strings", _strings),
    "routes": ("an object mapping project names to member names", _routes),
}
CONFIG_KEYS = tuple(_KEYS)


def checked_config(config: Mapping[str, Any], *, removals: bool) -> dict[str, Any]:
    """``config`` with its keys and value types checked; ``removals`` allows ``null``
    values (a change that removes the key) for any key, known or not.

    Raises:
        InvalidInput: an unknown key, or a value of the wrong type.
    """
    for key, value in config.items():
        if value is None:
            if removals:
                continue
            raise InvalidInput(f"config key {key!r} is null", hint="leave the key out instead")
        expected = _KEYS.get(key)
        if expected is None:
            raise InvalidInput(
                f"unknown config key {key!r}", hint=f"known keys: {', '.join(CONFIG_KEYS)}"
            )
        description, accepts = expected
        if not accepts(value):
            # a number is shown (a negative ttl); other values might be secrets
            got = str(value) if _number(value) and key != "password" else describe_type(value)
            raise InvalidInput(f"config key {key!r} must be {description}, got {got}")
    return dict(config)
