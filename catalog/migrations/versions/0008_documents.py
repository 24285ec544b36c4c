"""Attached documents with their extracted text, and stored media files (S2, P1).

``documents`` holds one row per distinct file (content-addressed by SHA-256; the file itself
lives under ``<data_dir>/files``), ``document_pages`` its text page by page. A product links
to a document through ``product_documents.document_id`` (NULL for a link to a remote URL);
``source`` says whether the link came from the catalog file or a documents manifest, so that
re-ingesting the catalog keeps the manifest's links. ``product_media`` gains a title and, for
files stored here, their SHA-256 and content type.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("page_count", sa.Integer, nullable=False),
        sa.Column("text_chars", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("head_text", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("sha256", name="uq_documents_sha256"),
    )
    op.create_table(
        "document_pages",
        sa.Column("document_id", sa.Integer,
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("page", sa.Integer, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.add_column("product_documents", sa.Column("document_id", sa.Integer))
    op.add_column("product_documents", sa.Column("source", sa.String(10), nullable=False,
                                                 server_default="catalog"))
    op.create_index("ix_product_documents_document_id", "product_documents", ["document_id"])
    op.add_column("product_media", sa.Column("title", sa.String(300)))
    op.add_column("product_media", sa.Column("sha256", sa.String(64)))
    op.add_column("product_media", sa.Column("content_type", sa.String(100)))
    op.create_index("ix_product_media_sha256", "product_media", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_product_media_sha256", "product_media")
    with op.batch_alter_table("product_media") as batch:
        batch.drop_column("content_type")
        batch.drop_column("sha256")
        batch.drop_column("title")
    op.drop_index("ix_product_documents_document_id", "product_documents")
    with op.batch_alter_table("product_documents") as batch:
        batch.drop_column("source")
        batch.drop_column("document_id")
    op.drop_table("document_pages")
    op.drop_table("documents")
