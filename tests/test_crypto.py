"""Tests for core.crypto (field encryption, blind index, masking)."""

from __future__ import annotations

import base64
import logging

import pytest

from core import crypto
from core.config import Settings
from core.crypto import (
    DecryptionError,
    blind_index,
    decrypt,
    encrypt,
    mask_id,
    mask_phone,
    reset_keys,
)

FIELD_KEY_A = base64.urlsafe_b64encode(bytes(range(32))).decode()
FIELD_KEY_B = base64.urlsafe_b64encode(bytes(range(1, 33))).decode()


@pytest.fixture
def use_settings(monkeypatch):
    """Point core.crypto at explicit settings; keys are re-derived on every switch."""

    def apply(**values):
        settings = Settings(_env_file=None, **values)
        monkeypatch.setattr(crypto, "get_settings", lambda: settings)
        reset_keys()
        return settings

    yield apply
    reset_keys()


@pytest.fixture(autouse=True)
def field_key(use_settings):
    use_settings(field_key=FIELD_KEY_A, secret_key="test-secret")


# ----------------------------------------------------------------------------
# encrypt / decrypt
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["13812345678", "11010519491231002X", "", "张三 · 长沙市芙蓉区", "x" * 5000]
)
def test_round_trip(value):
    token = encrypt(value)
    assert isinstance(token, str)
    assert decrypt(token) == value


def test_ciphertext_hides_plaintext_and_is_randomised():
    value = "11010519491231002X"
    first, second = encrypt(value), encrypt(value)
    assert first != value and value not in first
    assert value.encode() not in base64.urlsafe_b64decode(first)
    assert first != second
    assert decrypt(first) == decrypt(second) == value


def test_token_is_compact_urlsafe_ascii():
    token = encrypt("11010519491231002X")
    assert len(token) == 64
    assert len(encrypt("13812345678")) == 56
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


def test_none_passes_through():
    assert encrypt(None) is None
    assert decrypt(None) is None


def test_tampered_token_is_rejected():
    raw = bytearray(base64.urlsafe_b64decode(encrypt("13812345678")))
    for pos in (0, 5, len(raw) - 1, len(raw) // 2):
        changed = bytearray(raw)
        changed[pos] ^= 0x01
        with pytest.raises(DecryptionError):
            decrypt(base64.urlsafe_b64encode(bytes(changed)).decode())


@pytest.mark.parametrize("token", ["", "not a token", "AAAA", "中文", "abc"])
def test_malformed_token_is_rejected(token):
    with pytest.raises(DecryptionError):
        decrypt(token)


def test_decryption_error_is_a_value_error():
    assert issubclass(DecryptionError, ValueError)


def test_other_key_cannot_decrypt(use_settings):
    token = encrypt("13812345678")
    use_settings(field_key=FIELD_KEY_B, secret_key="test-secret")
    with pytest.raises(DecryptionError):
        decrypt(token)
    use_settings(field_key=FIELD_KEY_A, secret_key="other-secret")
    assert decrypt(token) == "13812345678"  # the secret key is irrelevant when field_key is set


def test_keys_are_cached_until_reset(monkeypatch):
    calls = []
    real = crypto._master_material

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(crypto, "_master_material", counting)
    reset_keys()
    for _ in range(5):
        decrypt(encrypt("x"))
        blind_index("x", "p")
    assert len(calls) == 1
    reset_keys()
    encrypt("x")
    assert len(calls) == 2


def test_falls_back_to_secret_key(use_settings, caplog):
    use_settings(field_key=None, secret_key="secret-one")
    with caplog.at_level(logging.WARNING, logger="core.crypto"):
        token = encrypt("13812345678")
    assert "LIANDONG_FIELD_KEY" in caplog.text
    index = blind_index("13812345678", "member.phone")
    # deterministic: same secret, fresh derivation, same keys
    use_settings(field_key=None, secret_key="secret-one")
    assert decrypt(token) == "13812345678"
    assert blind_index("13812345678", "member.phone") == index
    # a different secret gives different keys
    use_settings(field_key=None, secret_key="secret-two")
    with pytest.raises(DecryptionError):
        decrypt(token)
    assert blind_index("13812345678", "member.phone") != index


def test_field_key_and_secret_key_paths_differ(use_settings):
    use_settings(field_key=None, secret_key=FIELD_KEY_A)
    token = encrypt("v")
    use_settings(field_key=FIELD_KEY_A, secret_key="whatever")
    with pytest.raises(DecryptionError):
        decrypt(token)


@pytest.mark.parametrize(
    "bad_key",
    [
        base64.urlsafe_b64encode(bytes(16)).decode(),  # too short
        base64.urlsafe_b64encode(bytes(64)).decode(),  # too long
        "not base64!",
        "密钥",
    ],
)
def test_invalid_field_key_is_reported(use_settings, bad_key):
    use_settings(field_key=bad_key)
    with pytest.raises(ValueError, match="LIANDONG_FIELD_KEY"):
        encrypt("x")


def test_field_key_from_environment(monkeypatch):
    """The real settings path: LIANDONG_FIELD_KEY is picked up by get_settings()."""
    from core import config

    monkeypatch.setattr(crypto, "get_settings", config.get_settings)
    monkeypatch.setenv("LIANDONG_FIELD_KEY", FIELD_KEY_B)
    config.get_settings.cache_clear()
    try:
        reset_keys()
        token = encrypt("13812345678")
        index = blind_index("13812345678", "member.phone")
    finally:
        config.get_settings.cache_clear()
    manual = Settings(_env_file=None, field_key=FIELD_KEY_B, secret_key="unrelated")
    monkeypatch.setattr(crypto, "get_settings", lambda: manual)
    reset_keys()
    assert decrypt(token) == "13812345678"
    assert blind_index("13812345678", "member.phone") == index


# ----------------------------------------------------------------------------
# blind index
# ----------------------------------------------------------------------------


def test_blind_index_is_stable_hex():
    a = blind_index("11010519491231002X", "member.id_number")
    assert a == blind_index("11010519491231002X", "member.id_number")
    assert len(a) == 64 and int(a, 16) >= 0 and a == a.lower()
    assert "11010519491231002X" not in a


def test_blind_index_differs_per_value_and_purpose():
    base = blind_index("13812345678", "member.phone")
    assert blind_index("13812345679", "member.phone") != base
    assert blind_index("13812345678", "user.phone") != base
    # no ambiguity from simple concatenation of purpose and value
    assert blind_index("b", "a") != blind_index("", "ab")
    assert blind_index("ab", "") != blind_index("b", "a")


def test_blind_index_is_exact_match_only():
    # normalisation is the caller's job: different spellings are different values
    assert blind_index("11010519491231002x", "p") != blind_index("11010519491231002X", "p")


def test_blind_index_is_keyed(use_settings):
    first = blind_index("13812345678", "member.phone")
    use_settings(field_key=FIELD_KEY_B, secret_key="test-secret")
    assert blind_index("13812345678", "member.phone") != first
    use_settings(field_key=FIELD_KEY_A, secret_key="test-secret")
    assert blind_index("13812345678", "member.phone") == first


def test_blind_index_key_is_independent_of_encryption_key():
    keys = crypto._keys()
    assert isinstance(keys.index, bytes) and len(keys.index) == 32
    assert keys.index != base64.urlsafe_b64decode(FIELD_KEY_A)


# ----------------------------------------------------------------------------
# masking
# ----------------------------------------------------------------------------


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(" 13812345678 ") == "138****5678"
    assert mask_phone(None) is None
    assert mask_phone("") == ""
    assert mask_phone("12345") == "*****"
    assert mask_phone("1234567") == "*******"
    assert mask_phone("12345678") == "123*5678"


def test_mask_id():
    assert mask_id("430104199001011234") == "430104********1234"
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_id(None) is None
    assert mask_id("") == ""
    assert mask_id("1234567890") == "**********"
    assert mask_id("12345678901") == "123456*8901"


def test_masks_never_reveal_the_middle():
    value = "430104199001011234"
    masked = mask_id(value)
    assert len(masked) == len(value)
    assert "19900101" not in masked
    assert "1234" not in mask_phone("13812345678")[:7]
