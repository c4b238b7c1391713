"""Initial schema: indexes, projects, files, the change log, users and tokens.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "indexes",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_indexes"),
    )
    op.create_table(
        "projects",
        sa.Column("index_name", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.ForeignKeyConstraint(
            ["index_name"], ["indexes.name"], name="fk_projects_index_name_indexes"
        ),
        sa.PrimaryKeyConstraint("index_name", "name", name="pk_projects"),
    )
    op.create_table(
        "files",
        sa.Column("id", _serial, autoincrement=True, nullable=False),
        sa.Column("index_name", sa.String(64), nullable=False),
        sa.Column("project", sa.String(200), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("packagetype", sa.String(16), nullable=False),
        sa.Column("python_version", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("md5", sa.String(32), nullable=True),
        sa.Column("blake2_256", sa.String(64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("requires_python", sa.Text(), nullable=True),
        sa.Column("metadata_sha256", sa.String(64), nullable=True),
        sa.Column("core_metadata", sa.JSON(), nullable=False),
        sa.Column("yanked", sa.Boolean(), nullable=False),
        sa.Column("yanked_reason", sa.Text(), nullable=True),
        sa.Column("uploaded_at", _ts, nullable=False),
        sa.Column("uploaded_by", sa.String(128), nullable=True),
        sa.ForeignKeyConstraint(
            ["index_name"], ["indexes.name"], name="fk_files_index_name_indexes"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_files"),
        sa.UniqueConstraint("index_name", "filename", name="uq_files_index_filename"),
    )
    op.create_index("ix_files_index_project", "files", ["index_name", "project"])
    op.create_index("ix_files_sha256", "files", ["sha256"])
    op.create_table(
        "changes",
        sa.Column("serial", _serial, autoincrement=True, nullable=False),
        sa.Column("at", _ts, nullable=False),
        sa.Column("index_name", sa.String(64), nullable=True),
        sa.Column("project", sa.String(200), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=True),
        sa.Column("remote_addr", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("serial", name="pk_changes"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", _ts, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("indexes", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", _ts, nullable=False),
        sa.Column("expires_at", _ts, nullable=True),
        sa.Column("revoked_at", _ts, nullable=True),
        sa.ForeignKeyConstraint(["user_name"], ["users.name"], name="fk_tokens_user_name_users"),
        sa.PrimaryKeyConstraint("id", name="pk_tokens"),
    )


def downgrade() -> None:
    for table in ("tokens", "users", "changes", "files", "projects", "indexes"):
        op.drop_table(table)
