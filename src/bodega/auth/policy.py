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
    if principal is None or not principal.token_allows(Scope.UPLOAD, index_name):
        return False
    if principal.is_admin:
        return True
    uploaders = config.get("uploaders", [AUTHENTICATED])
    return AUTHENTICATED in uploaders or principal.user in uploaders
