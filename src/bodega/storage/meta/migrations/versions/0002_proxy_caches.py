"""Proxy caches: upstream pages and fetched files.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "proxy_pages",
        sa.Column("index_name", sa.String(64), nullable=False),
        sa.Column("project", sa.String(200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("page", sa.LargeBinary(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("fetched_at", _ts, nullable=False),
        sa.ForeignKeyConstraint(
            ["index_name"], ["indexes.name"], name="fk_proxy_pages_index_name_indexes"
        ),
        sa.PrimaryKeyConstraint("index_name", "project", name="pk_proxy_pages"),
    )
    op.create_table(
        "proxy_files",
        sa.Column("index_name", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("project", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("metadata_sha256", sa.String(64), nullable=True),
        sa.Column("upstream_url", sa.Text(), nullable=False),
        sa.Column("cached_at", _ts, nullable=False),
        sa.ForeignKeyConstraint(
            ["index_name"], ["indexes.name"], name="fk_proxy_files_index_name_indexes"
        ),
        sa.PrimaryKeyConstraint("index_name", "filename", name="pk_proxy_files"),
    )
    op.create_index("ix_proxy_files_index_project", "proxy_files", ["index_name", "project"])


def downgrade() -> None:
    op.drop_table("proxy_files")
    op.drop_table("proxy_pages")
