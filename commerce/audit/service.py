"""The audit log: every change to accounts, roles, prices and terms (and every change a seller
makes while acting as a customer company) is recorded in the request's transaction, so an
entry exists exactly when the change was committed.

Other packages call :func:`record`::

    from commerce.audit import service as audit
    audit.record(tx, principal, "price_list.update", ("price_list", pl.id), {"before": ..})
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import EllipsisType
from typing import Any, Protocol

from sqlalchemy.orm import Session

from commerce.audit.models import AuditEntry
from commerce.audit.repository import AuditRepository


class Actor(Protocol):
    """What the audit needs of who acted (``commerce.identity.Principal`` is one)."""

    @property
    def user_id(self) -> int: ...

    @property
    def email(self) -> str: ...

    @property
    def company_id(self) -> int | None: ...

    @property
    def acting(self) -> bool: ...

    def delegated_by(self, permission: str) -> int | None: ...


Target = tuple[str, object] | str


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def record(tx: Session, actor: Actor | str | None, action: str, target: Target,
           details: dict[str, Any] | None = None, *,
           company_id: int | None | EllipsisType = ...,
           permission: str | None = None) -> AuditEntry:
    """Add one entry. ``actor``: the principal (or a label such as ``"cli"`` / None for the
    system); ``target``: ``(type, id)`` or a type alone; ``company_id``: the company the change
    belongs to (default: the actor's current company; None: no company, e.g. a user's own
    sign-in settings). ``permission``: the permission used; when
    the actor holds it only through a delegation, the entry names the grantor too (C5)."""
    target_type, target_id = (target, None) if isinstance(target, str) else target
    details = dict(details or {})
    actor_id: int | None = None
    acting_for: int | None = None
    on_behalf_of: int | None = None
    company: int | None = None if company_id is ... else company_id
    if actor is None or isinstance(actor, str):
        label = actor or "system"
    else:
        actor_id, label = actor.user_id, actor.email
        if company_id is ...:
            company = actor.company_id
        if actor.acting:
            acting_for = actor.company_id
        if permission is not None:
            on_behalf_of = actor.delegated_by(permission)
    summary = label
    if acting_for is not None:
        summary += f" acting for company {acting_for}"
    if on_behalf_of is not None:
        summary += f" as substitute of user {on_behalf_of}"
    summary += f": {action} {target_type}" + (f" {target_id}" if target_id is not None else "")
    entry = AuditEntry(at=_now(), actor_id=actor_id, actor=label[:254],
                       acting_for_company_id=acting_for, on_behalf_of_id=on_behalf_of,
                       company_id=company, action=action, target_type=target_type,
                       target_id=None if target_id is None else str(target_id)[:120],
                       summary=summary[:500], details=details)
    AuditRepository(tx).add(entry)
    return entry


def to_dict(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor_id": entry.actor_id,
            "actor": entry.actor, "acting_for_company_id": entry.acting_for_company_id,
            "on_behalf_of_id": entry.on_behalf_of_id, "company_id": entry.company_id,
            "action": entry.action, "target_type": entry.target_type,
            "target_id": entry.target_id, "summary": entry.summary, "details": entry.details}
