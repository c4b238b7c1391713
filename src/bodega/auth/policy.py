"""Who may do what on an index: pure decisions over a principal and an index's config.

An index's config holds three access lists, ``readers``, ``uploaders`` and ``admins``.
An entry is a user name, ``@group`` (the users in that group), ``:authenticated:``
(every user with an account) or ``:anonymous:`` (everyone, signed in or not). Each
permission includes the ones below it: an index admin may upload, an uploader may read.
Server admins may do everything; a token never allows more than its scope and indexes.

An index that does not name its uploaders lets every signed-in user who may read it
upload: a default of "everyone signed in" would let any user upload to, and so read, an
index whose readers list keeps it private.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from bodega.auth.principal import Principal, Scope

ANONYMOUS = ":anonymous:"
AUTHENTICATED = ":authenticated:"


class Permission(StrEnum):
    READ = "readers"
    UPLOAD = "uploaders"
    ADMIN = "admins"

    @property
    def scope(self) -> Scope:
        return {"readers": Scope.READ, "uploaders": Scope.UPLOAD, "admins": Scope.ADMIN}[self]


# what each access list holds when an index's config does not say (on an index that is
# not public, the uploaders default to its readers: see _default_uploaders)
DEFAULTS: dict[Permission, tuple[str, ...]] = {
    Permission.READ: (ANONYMOUS,),
    Permission.UPLOAD: (AUTHENTICATED,),
    Permission.ADMIN: (),
}
_ABOVE = {
    Permission.READ: (Permission.READ, Permission.UPLOAD, Permission.ADMIN),
    Permission.UPLOAD: (Permission.UPLOAD, Permission.ADMIN),
    Permission.ADMIN: (Permission.ADMIN,),
}


def access_list(config: Mapping[str, Any], permission: Permission) -> tuple[str, ...]:
    """The entries of one access list; a malformed value grants nothing."""
    if permission.value not in config:
        if permission is Permission.UPLOAD:
            return _default_uploaders(config)
        return DEFAULTS[permission]
    value = config[permission.value]
    if isinstance(value, str):
        return (value,)  # one name: "in" on the string would match substrings
    if not isinstance(value, list | tuple | set | frozenset):
        return ()
    return tuple(str(v) for v in value)


def _default_uploaders(config: Mapping[str, Any]) -> tuple[str, ...]:
    """Every signed-in user on a public index; the readers on a private one."""
    readers = access_list(config, Permission.READ)
    return DEFAULTS[Permission.UPLOAD] if ANONYMOUS in readers else readers


def is_public(config: Mapping[str, Any]) -> bool:
    """Whether anyone may read the index without signing in (the fast path)."""
    return ANONYMOUS in access_list(config, Permission.READ)


def allows(
    principal: Principal | None,
    permission: Permission,
    index_name: str,
    config: Mapping[str, Any],
) -> bool:
    """Whether ``principal`` (None: anonymous) has ``permission`` on the index."""
    if principal is not None:
        if not principal.token_allows(permission.scope, index_name):
            return False
        if principal.is_admin:
            return True
    for granting in _ABOVE[permission]:
        if any(_matches(entry, principal) for entry in access_list(config, granting)):
            return True
    return False


def _matches(entry: str, principal: Principal | None) -> bool:
    if entry == ANONYMOUS:
        return True
    if principal is None:
        return False
    if entry == AUTHENTICATED:
        return True
    if entry.startswith("@"):
        return entry[1:] in principal.groups
    return entry == principal.user


def may_upload(principal: Principal | None, index_name: str, config: Mapping[str, Any]) -> bool:
    """Whether ``principal`` may upload to the index ``index_name`` configured by ``config``."""
    return principal is not None and allows(principal, Permission.UPLOAD, index_name, config)


def token_may_create(principal: Principal, scope: Scope, indexes: Sequence[str]) -> str | None:
    """Why ``principal`` may not create a token of ``scope`` for ``indexes``; None if it may.

    A token may only create tokens that can do no more than itself: no wider scope, no
    index outside its own (a token without indexes may use every index).
    """
    if principal.token_scope is None:
        return None
    if not principal.token_scope.allows(scope):
        return (
            f"a token of scope {principal.token_scope.value!r} cannot create one of scope "
            f"{scope.value!r}"
        )
    limits = principal.token_indexes
    if limits and (not indexes or not set(indexes) <= set(limits)):
        return f"a token limited to {', '.join(limits)} cannot create one beyond those indexes"
    return None


def may_change_password(principal: Principal, user: str) -> bool:
    """Users change their own password (not through a token below admin scope, which
    would turn a narrow credential into the whole account); server admins anyone's."""
    if principal.token_scope is not None and principal.token_scope is not Scope.ADMIN:
        return False
    return principal.user == user or principal.is_server_admin
