from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from sqlalchemy import text

from api.container import Services
from api.deps import json_response, services

router = APIRouter(prefix="/v1", tags=["health"])


@router.get("/health", response_model=None)
def health(svc: Services = Depends(services)) -> Response:
    try:
        with svc.store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = {"status": "ok", "dialect": svc.store.engine.dialect.name}
    except Exception as exc:  # reported in the body, with 503
        database = {"status": "error", "detail": str(exc)}
    index = svc.backend.health()
    documents = svc.documents.health() if svc.documents is not None else {"status": "off"}
    ok = (database["status"] == "ok" and index.get("status") == "ok"
          and documents.get("status") in ("ok", "off"))
    body = {"status": "ok" if ok else "degraded", "database": database, "search": index,
            "documents": documents,  # the document index: "documents" counts pages
            "semantic": svc.semantic.status() if svc.semantic is not None else {"status": "off"},
            "image_search": svc.images.status() if svc.images is not None else {"status": "off"},
            "voice": svc.voice.status() if svc.voice is not None else {"status": "off"}}
    return json_response(body, status_code=200 if ok else 503)
