"""One error base for the whole product.

Every error carries its HTTP status; the API has a single handler that renders
``{"error": <Type>, "detail": ..., "field"?: ...}``. The CLI prints the same detail.
"""

from __future__ import annotations

from typing import Any


class DiscoveryError(Exception):
    status_code = 500

    def __init__(self, detail: Any, *, field: str | None = None) -> None:
        super().__init__(detail if isinstance(detail, str) else repr(detail))
        self.detail = detail
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": type(self).__name__, "detail": self.detail}
        if self.field is not None:
            body["field"] = self.field
        return body


class InvalidInput(DiscoveryError):
    """A request parameter or file is not acceptable; the field names what."""

    status_code = 400


class NotFound(DiscoveryError):
    status_code = 404


class Conflict(DiscoveryError):
    status_code = 409


class PayloadTooLarge(DiscoveryError):
    status_code = 413


class BackendUnavailable(DiscoveryError):
    status_code = 503


class IngestFatal(InvalidInput):
    """The whole file cannot be ingested (unreadable, no SKU/name column...); nothing was written."""
