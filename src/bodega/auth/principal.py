"""Who is making a request, and what their credential allows."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    """What a token may do; each scope includes the ones before it."""

    READ = "read"
    UPLOAD = "upload"
    ADMIN = "admin"

    def allows(self, needed: Scope) -> bool:
        order = list(Scope)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated user, possibly acting through a scoped token."""

    user: str
    is_admin: bool = False
    token_id: str | None = None
    token_scope: Scope | None = None
    # indexes a token is limited to; empty means all
    token_indexes: tuple[str, ...] = ()
    groups: frozenset[str] = frozenset()

    @property
    def is_server_admin(self) -> bool:
        """Admin of the whole server: an admin user, not through a token limited to
        some indexes (such a token administers only those)."""
        return self.is_admin and not self.token_indexes

    @property
    def actor(self) -> str:
        """How the change log names this principal (never the token's secret)."""
        return f"{self.user} (token {self.token_id})" if self.token_id else self.user

    def token_allows(self, needed: Scope, index_name: str) -> bool:
        if self.token_id is None:
            return True
        assert self.token_scope is not None
        in_indexes = not self.token_indexes or index_name in self.token_indexes
        return in_indexes and self.token_scope.allows(needed)
