"""Who may do what on an index: pure decisions over a principal and an index's config.

An index's config names its uploaders: user names, or ``:authenticated:`` for every
user with an account. Admins may do everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bodega.auth.principal import Principal, Scope

AUTHENTICATED = ":authenticated:"


def may_upload(principal: Principal | None, index_name: str, config: Mapping[str, Any]) -> bool:
    """Whether ``principal`` may upload to the index ``index_name`` configured by ``config``."""
    if principal is None or not principal.token_allows(Scope.UPLOAD, index_name):
        return False
    if principal.is_admin:
        return True
    uploaders = config.get("uploaders", [AUTHENTICATED])
    if isinstance(uploaders, str):
        uploaders = [uploaders]  # one name: "in" on the string would match substrings
    elif not isinstance(uploaders, list | tuple | set | frozenset):
        return False  # malformed config: nobody but admins
    return AUTHENTICATED in uploaders or principal.user in uploaders
