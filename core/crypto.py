"""Field encryption for personal data at rest (ID-card and phone numbers).

* :func:`encrypt` / :func:`decrypt` -- AES-256-GCM with a random 96-bit nonce.
  A token is ``urlsafe_b64(version byte + nonce + ciphertext + tag)``; an
  18-character ID number gives a 64-character token, an 11-digit phone number a
  56-character one, so a ``String(128)`` column is plenty.
* :func:`blind_index` -- keyed HMAC-SHA256 of a *normalised* value, stored next
  to the ciphertext so that rows can be found by exact match without decrypting.
  Callers must normalise first (``core.validators.normalize_id_number`` etc.).
* :func:`mask_phone` / :func:`mask_id` -- display helpers.

Keys
----
The master key material is ``LIANDONG_FIELD_KEY`` (``get_settings().field_key``,
urlsafe base64 of 32 bytes, e.g. from
``python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"``).
When it is unset the material is ``LIANDONG_SECRET_KEY`` instead.  **Production
must set LIANDONG_FIELD_KEY**: the secret key is random per process unless set,
which would make stored ciphertext unreadable after a restart, and rotating the
secret key (e.g. to invalidate sessions) must not destroy encrypted data.

Separate sub-keys for encryption and for the blind index are derived from the
material with HKDF-SHA256 (distinct ``info`` labels), so neither key reveals the
other.  They are derived once and cached; :func:`reset_keys` clears the cache
(for tests that change the settings).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.config import get_settings

__all__ = [
    "DecryptionError",
    "blind_index",
    "decrypt",
    "encrypt",
    "mask_id",
    "mask_phone",
    "reset_keys",
]

log = logging.getLogger(__name__)

_VERSION = b"\x01"
_NONCE_SIZE = 12
_TAG_SIZE = 16
_SALT = b"liandong/field-crypto/v1"
_INFO_ENCRYPT = b"liandong/field-encryption/aes-256-gcm"
_INFO_INDEX = b"liandong/blind-index/hmac-sha256"


class DecryptionError(ValueError):
    """The token is malformed, was tampered with or was made with another key."""


@dataclass(frozen=True)
class _Keys:
    aead: AESGCM
    index: bytes


def _b64decode(text: str) -> bytes:
    """Strict urlsafe base64 decoding (stray characters are an error, not skipped)."""
    return base64.b64decode(text.encode("ascii"), altchars=b"-_", validate=True)


def _hkdf(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=info).derive(material)


def _master_material() -> bytes:
    settings = get_settings()
    if settings.field_key:
        try:
            material = _b64decode(settings.field_key.strip())
        except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
            raise ValueError("LIANDONG_FIELD_KEY must be urlsafe base64") from exc
        if len(material) != 32:
            raise ValueError(
                f"LIANDONG_FIELD_KEY must decode to 32 bytes, got {len(material)}"
            )
        return material
    log.warning(
        "LIANDONG_FIELD_KEY is not set; deriving the field encryption key from the "
        "secret key. Set LIANDONG_FIELD_KEY in production."
    )
    return settings.secret_key.encode("utf-8")


@lru_cache(maxsize=1)
def _keys() -> _Keys:
    material = _master_material()
    return _Keys(
        aead=AESGCM(_hkdf(material, _INFO_ENCRYPT)),
        index=_hkdf(material, _INFO_INDEX),
    )


def reset_keys() -> None:
    """Forget the cached keys so the next call derives them from current settings."""
    _keys.cache_clear()
    _purpose_key.cache_clear()


def encrypt(value: str | None) -> str | None:
    """Encrypt *value* (``None`` passes through); every call gives a fresh token."""
    if value is None:
        return None
    nonce = os.urandom(_NONCE_SIZE)
    sealed = _keys().aead.encrypt(nonce, value.encode("utf-8"), _VERSION)
    return base64.urlsafe_b64encode(_VERSION + nonce + sealed).decode("ascii")


def decrypt(token: str | None) -> str | None:
    """Decrypt a token from :func:`encrypt` (``None`` passes through).

    Raises :class:`DecryptionError` for malformed, tampered or foreign tokens.
    """
    if token is None:
        return None
    try:
        raw = _b64decode(token)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise DecryptionError("malformed token") from exc
    if len(raw) < 1 + _NONCE_SIZE + _TAG_SIZE or raw[:1] != _VERSION:
        raise DecryptionError("malformed token")
    nonce, sealed = raw[1 : 1 + _NONCE_SIZE], raw[1 + _NONCE_SIZE :]
    try:
        plain = _keys().aead.decrypt(nonce, sealed, _VERSION)
    except InvalidTag as exc:
        raise DecryptionError("token does not authenticate") from exc
    return plain.decode("utf-8")


def blind_index(value: str, purpose: str) -> str:
    """Deterministic 64-hex-digit HMAC-SHA256 of *value* for exact-match lookups.

    *purpose* (e.g. ``"member.id_number"``) selects a per-purpose key, so the same
    value indexed for two purposes gives unrelated digests.  Normalise *value*
    before calling; this function compares bytes, nothing else.
    """
    return hmac.new(_purpose_key(_keys(), purpose), value.encode("utf-8"), hashlib.sha256).hexdigest()


@lru_cache(maxsize=32)
def _purpose_key(keys: _Keys, purpose: str) -> bytes:
    return hmac.new(keys.index, purpose.encode("utf-8"), hashlib.sha256).digest()


def _mask(value: str | None, head: int, tail: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) <= head + tail:
        # too short to show anything without revealing most of it
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def mask_phone(phone: str | None) -> str | None:
    """``"13812345678"`` -> ``"138****5678"``; ``None`` stays ``None``."""
    return _mask(phone, 3, 4)


def mask_id(idn: str | None) -> str | None:
    """``"430104199001011234"`` -> ``"430104********1234"``; ``None`` stays ``None``."""
    return _mask(idn, 6, 4)
