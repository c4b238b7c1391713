"""The metadata schema: one definition for SQLite and PostgreSQL.

``changes`` is the change log: every committed write appends a row, and its serial
orders all changes (caches invalidate by it; the audit log reads it).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
# BigInteger on PostgreSQL, INTEGER (the rowid alias) on SQLite
Serial = BigInteger().with_variant(Integer(), "sqlite")

indexes = Table(
    "indexes",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("config", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("index_name", String(64), ForeignKey("indexes.name"), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

files = Table(
    "files",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("index_name", String(64), ForeignKey("indexes.name"), nullable=False),
    Column("project", String(200), nullable=False),
    Column("version", String(128), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("packagetype", String(16), nullable=False),
    Column("python_version", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("md5", String(32), nullable=True),
    Column("blake2_256", String(64), nullable=True),
    Column("size", BigInteger, nullable=False),
    Column("requires_python", Text, nullable=True),
    Column("metadata_sha256", String(64), nullable=True),
    Column("core_metadata", JSON, nullable=False),
    Column("yanked", Boolean, nullable=False, default=False),
    Column("yanked_reason", Text, nullable=True),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("uploaded_by", String(128), nullable=True),
    # deleted files keep their row: the name stays taken by the same bytes
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("index_name", "filename", name="uq_files_index_filename"),
    Index("ix_files_index_project", "index_name", "project"),
    Index("ix_files_sha256", "sha256"),
)

changes = Table(
    "changes",
    metadata,
    Column("serial", Serial, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("index_name", String(64), nullable=True),
    Column("project", String(200), nullable=True),
    Column("action", String(32), nullable=False),
    Column("actor", String(128), nullable=True),
    Column("remote_addr", String(64), nullable=True),
    Column("detail", JSON, nullable=False),
    sqlite_autoincrement=True,
)

users = Table(
    "users",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("password_hash", Text, nullable=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # the groups the user belongs to ("@name" in index permissions)
    Column("groups", JSON, nullable=False, default=list),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_name", String(128), ForeignKey("users.name"), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("indexes", JSON, nullable=False),
    Column("description", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# What proxy indexes learned from their upstream. A page row is the upstream's last good
# answer for a project (project "" is the root listing), stored as PEP 691 JSON with
# absolute upstream URLs; status 404 rows remember that the upstream has no such project.
proxy_pages = Table(
    "proxy_pages",
    metadata,
    Column("index_name", String(64), ForeignKey("indexes.name"), primary_key=True),
    Column("project", String(200), primary_key=True),
    Column("status", Integer, nullable=False),
    Column("page", LargeBinary, nullable=True),
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
)

# Files a proxy index has fetched (kept forever), and core metadata files it has stored.
proxy_files = Table(
    "proxy_files",
    metadata,
    Column("index_name", String(64), ForeignKey("indexes.name"), primary_key=True),
    Column("filename", String(255), primary_key=True),
    Column("project", String(200), nullable=False),
    Column("sha256", String(64), nullable=True),
    Column("size", BigInteger, nullable=True),
    Column("metadata_sha256", String(64), nullable=True),
    Column("upstream_url", Text, nullable=False),
    Column("cached_at", DateTime(timezone=True), nullable=False),
    Index("ix_proxy_files_index_project", "index_name", "project"),
)
