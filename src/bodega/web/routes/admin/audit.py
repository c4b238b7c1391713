"""``/api/audit``: reading the audit log. There is deliberately no route that changes it."""

from __future__ import annotations

from aiohttp import web

from bodega.domain.errors import InvalidInput
from bodega.services.audit import AuditLog, AuditQuery, entry_json
from bodega.web.auth import Access
from bodega.web.routes.admin.wire import json_response, read_query, signed_in

_DEFAULT = AuditQuery()
MAX_SERIAL = 2**63 - 1  # the database's integer
_PARAMETERS = ("index", "project", "action", "actor", "since", "until", "after", "limit")


class AuditRoutes:
    def __init__(self, audit: AuditLog, access: Access) -> None:
        self._audit = audit
        self._access = access

    async def entries(self, request: web.BaseRequest, params: dict[str, str]) -> web.StreamResponse:
        """Entries in serial order, filtered by the query; ``after`` pages on by serial."""
        principal = await signed_in(self._access, request)
        query = read_query(request, _PARAMETERS)
        limit, after = query.integer("limit"), query.integer("after") or 0
        if not 0 <= after <= MAX_SERIAL:
            raise InvalidInput(f"query parameter 'after' must be 0-{MAX_SERIAL}, got {after}")
        found = await self._audit.entries(
            AuditQuery(
                index_name=query.text("index"),
                project=query.text("project"),
                action=query.text("action"),
                actor=query.text("actor"),
                since=query.timestamp("since"),
                until=query.timestamp("until"),
                after_serial=after,
                limit=_DEFAULT.limit if limit is None else limit,
            ),
            principal,
        )
        return json_response({"entries": [entry_json(c) for c in found]})
