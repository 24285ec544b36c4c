"""TOTP (RFC 6238) two-factor codes with pyotp, the enrolment QR code (segno) and recovery
codes. Codes are 6 digits, 30-second steps; one step of clock drift either way is accepted and
a code's step can be used only once (``totp_last_step``), so a code seen over a shoulder cannot
be replayed."""

from __future__ import annotations

import secrets
import time

import pyotp
import segno

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=4)


def qr_png_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").png_data_uri(scale=4)


def matching_step(secret: str, code: str, *, now: float | None = None,
                  after_step: int | None = None) -> int | None:
    """The time step ``code`` belongs to (within one step of now), or None. Steps at or before
    ``after_step`` (the last one used) do not count."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // totp.interval)
    for step in (current - 1, current, current + 1):
        if after_step is not None and step <= after_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(n: int = RECOVERY_CODES) -> list[str]:
    return ["-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2))
            for _ in range(n)]


def normalize_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())
