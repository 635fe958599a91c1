"""Two-factor sign-in: TOTP codes (RFC 6238, ``pyotp``) and one-time recovery codes.

* A user enrols by scanning a QR code (rendered here by ``segno``, never by a remote service)
  and typing the app's current code; only then is the secret stored, encrypted
  (:func:`core.crypto.encrypt`), with ten recovery codes of which only argon2 hashes are kept.
* A code is accepted for the current 30-second step or one step either side (clock drift),
  and at most once: ``last_step`` refuses a replayed code.
* Holders of a role in ``LIANDONG_MFA_REQUIRED_ROLES`` (default platform and tenant admins)
  must enrol before their first sign-in completes and cannot switch it off; others may enrol
  on the 安全设置 page.
* Time comes from the caller (the app's injected clock), so tests control it.

Every change is written to the audit log as ``mfa.*`` (the secret tables themselves are not
audited: their values must not reach the log).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable

import pyotp
import segno
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import crypto
from core.audit import record
from core.db import utcnow
from core.models import RecoveryCode, TotpCredential, User
from core.permissions import authorizer
from core.security import hash_password, verify_password

STEP = 30
#: steps either side of the current one still accepted (phones whose clock is a little off)
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    return pyotp.random_base32()


def required(user_id: int, roles_needing_mfa: Iterable[str]) -> bool:
    """Whether the user holds (anywhere) a role that must sign in with a second factor."""
    return not authorizer.roles_anywhere(user_id).isdisjoint(roles_needing_mfa)


def credential(session: Session, user_id: int) -> TotpCredential | None:
    return session.get(TotpCredential, user_id)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG ``data:`` URI, for an ``<img>`` on the app's own page."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def code_matches(secret: str, code: str, now: float, after_step: int = -1) -> int | None:
    """The time step ``code`` belongs to (within the drift window, later than ``after_step``)."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // STEP)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _audit(session: Session, user: User, action: str, summary: str = "") -> None:
    if not session.info.get("user_id") and not session.info.get("username"):  # else an operator's
        session.info.update(user_id=user.id, username=user.username)
    record(session, action, tenant_id=None, entity="users", entity_id=user.id, summary=summary or user.username)


def enrol(session: Session, user: User, secret: str, code: str, now: float) -> list[str] | None:
    """Store ``secret`` if ``code`` proves the app has it; returns the new recovery codes."""
    step = code_matches(secret, code, now)
    if step is None:
        return None
    session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    session.add(TotpCredential(user_id=user.id, secret_enc=crypto.encrypt(secret), last_step=step))
    codes = _replace_recovery_codes(session, user)
    _audit(session, user, "mfa.enrol")
    session.flush()
    return codes


def _replace_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2))
             for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_password(c)) for c in codes)
    return codes


def regenerate_recovery_codes(session: Session, user: User) -> list[str]:
    codes = _replace_recovery_codes(session, user)
    _audit(session, user, "mfa.recovery_codes")
    session.flush()
    return codes


def recovery_codes_left(session: Session, user_id: int) -> int:
    return len(session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user_id,
                                                             RecoveryCode.used_at.is_(None))).all())


def check_totp(session: Session, user: User, code: str, now: float) -> bool:
    """A current, not yet used TOTP code of the user's app (the step is remembered)."""
    cred = credential(session, user.id)
    if cred is None:
        return False
    try:
        secret = crypto.decrypt(cred.secret_enc)
    except crypto.DecryptionError:
        return False
    step = code_matches(secret, code, now, after_step=cred.last_step)
    if step is None:
        return False
    cred.last_step = step
    session.flush()
    return True


def use_recovery_code(session: Session, user: User, code: str) -> bool:
    """Spend one recovery code (each works once)."""
    code = "".join(code.split()).lower()
    if len(code) != 11:
        return False
    for row in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                          RecoveryCode.used_at.is_(None))):
        if verify_password(row.code_hash, code):
            row.used_at = utcnow()
            left = recovery_codes_left(session, user.id) - 1
            _audit(session, user, "mfa.recovery_used", f"{user.username}（剩余 {left} 个恢复码）")
            session.flush()
            return True
    return False


def check_second_factor(session: Session, user: User, code: str, now: float) -> bool:
    """A TOTP code or, failing that, a recovery code."""
    return check_totp(session, user, code, now) or use_recovery_code(session, user, code)


def disable(session: Session, user: User) -> None:
    session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    _audit(session, user, "mfa.disable")
    session.flush()
