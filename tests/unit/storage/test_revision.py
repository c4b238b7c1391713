"""The schema revision bodega checks for is the newest migration."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from bodega.storage.meta.database import SCHEMA_REVISION


def test_schema_revision_is_alembic_head():
    config = Config()
    config.set_main_option("script_location", "bodega.storage.meta:migrations")
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_REVISION]
