"""Catalog imports over HTTP (S1): a multipart upload, ingested like ``discovery ingest``."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from api.auth import current_staff
from api.container import Services
from api.deps import json_response, services
from api.schemas import ERRORS, ImportReportOut
from catalog.errors import DiscoveryError, InvalidInput, PayloadTooLarge

router = APIRouter(prefix="/v1/catalog", tags=["catalog"])

_REPORT_ROWS = 1_000
_CHUNK = 1 << 20


def _save(upload: UploadFile, folder: Path, limit_bytes: int, field: str) -> Path:
    name = Path(upload.filename or "").name
    if not name:
        raise InvalidInput("the upload has no file name (its suffix tells the format)", field=field)
    target = folder / name
    size = 0
    with target.open("wb") as fh:
        while chunk := upload.file.read(_CHUNK):
            size += len(chunk)
            if size > limit_bytes:
                raise PayloadTooLarge(
                    f"{field} is larger than the limit of {limit_bytes // 1_000_000} MB", field=field)
            fh.write(chunk)
    return target


def require_catalog_writer(request: Request, svc: Services = Depends(services)) -> str:
    """Catalog writes need a seller administrator's account sign-in (permission
    ``catalog.import``) or a console admin or merchandiser (cookie or bearer); who it was."""
    from commerce.db import unit_of_work
    from commerce.identity import current_principal
    from commerce.identity import request_token as account_token
    from commerce.staff import EDITORS, Forbidden, NotAuthenticated

    account_refusal: DiscoveryError | None = None
    if account_token(request)[0] is not None:
        try:
            with unit_of_work(request.app.state.commerce_sessions) as tx:
                principal = current_principal(request, tx)
                if principal.has("catalog.import"):
                    return principal.email
                raise Forbidden("importing the catalog needs the permission catalog.import "
                                "(a seller administrator)")
        except DiscoveryError as exc:
            if exc.status_code not in (401, 403):
                raise
            account_refusal = exc  # a console sign-in beside it may still do it
    try:
        staff = current_staff(request, svc)
    except NotAuthenticated:
        if account_refusal is not None:
            raise account_refusal from None
        raise NotAuthenticated("importing the catalog needs a sign-in: a console admin or "
                               "merchandiser (POST /v1/auth/login) or a seller administrator "
                               "(POST /v1/account/login)") from None
    if staff.role not in EDITORS:
        raise Forbidden(f"the {staff.role} role may not import the catalog; it needs: "
                        f"{' or '.join(EDITORS)}")
    return staff.username


@router.post("/imports", response_model=None, responses={200: {"model": ImportReportOut}, **ERRORS})
def create_import(
    request: Request,
    file: UploadFile = File(..., description="Catalog file: CSV, XLSX, XLS, JSON or JSONL."),
    mapping: UploadFile | None = File(None, description="Optional column mapping (TOML)."),
    delete_missing: bool = Form(False, description="Delete products that are not in the file."),
    svc: Services = Depends(services),
    _writer: str = Depends(require_catalog_writer),
) -> Response:
    """Ingest an uploaded catalog file (a console admin or merchandiser, or a seller
    administrator's account with ``catalog.import``). Rejected rows are reported with row, column, value and
    reason; the accepted rows are stored and indexed. A fatal error (unreadable file, missing
    SKU column) writes nothing and answers 400."""
    from ingestion import ingest_file, load_mapping

    limit = svc.settings.max_upload_mb * 1_000_000
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 1_000_000:
        raise PayloadTooLarge(f"upload is larger than the limit of {svc.settings.max_upload_mb} MB",
                              field="file")
    folder = Path(tempfile.mkdtemp(prefix="discovery-import-"))
    try:
        path = _save(file, folder, limit, "file")
        mapping_obj = None
        if mapping is not None and mapping.filename:
            mapping_obj = load_mapping(_save(mapping, folder, 1_000_000, "mapping"))
        # an upload names no files on this machine: documents and media are linked by URL
        report = ingest_file(path, svc.store, svc.backend, mapping=mapping_obj,
                             settings=svc.settings, delete_missing=delete_missing,
                             document_sink=svc.documents, files=svc.files)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report.raise_for_fatal()
    embedding = svc.semantic is not None and bool(report.created or report.updated)
    if embedding:
        svc.semantic.embed_changed()  # type: ignore[union-attr]
    images = svc.images is not None and svc.images.configured
    if images and (report.created or report.updated):
        svc.images.embed_changed()  # type: ignore[union-attr]
    body = report.to_dict()
    entries = body.pop("entries")[:_REPORT_ROWS]
    return json_response({
        "status": "complete" if report.exit_code == 0 else "partial",
        "counts": {k: body[k] for k in ("rows_read", "accepted", "rejected", "created", "updated",
                                        "unchanged", "deleted")},
        "format": body["format"], "encoding": body["encoding"], "seconds": body["seconds"],
        "rejected": entries,
        "rejected_total": report.entries_total,
        "rejected_truncated": report.entries_total > len(entries),
        "documents": body["documents"],
        "notices": body["notices"][:_REPORT_ROWS],
        "embedding": "started" if embedding else "not needed",
        "image_embedding": ("started" if report.created or report.updated else "not needed")
        if images else "not configured",
    })
