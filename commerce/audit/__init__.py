"""The audit log (C1, C3-C5): ``from commerce.audit import record``."""

from commerce.audit.service import record

__all__ = ["record"]
