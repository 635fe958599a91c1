"""Password hashing (argon2id), the password policy and API tokens."""

from __future__ import annotations

import gzip
import hashlib
import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
#: verified against when the user does not exist, so timing does not reveal usernames
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_PASSWORD_LENGTH = 10
#: 19,640 leaked passwords, lower-cased (source and licence: the .LICENSE file beside it)
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def password_problem(password: str, username: str = "") -> str | None:
    """A Chinese message if the password breaks the policy, else None.

    The policy (等保 level 3, ASVS 2.1): at least 10 characters, letters and digits, not one
    of the bundled common passwords, not containing the username. Applied wherever a password
    is chosen (create, change, reset); seeded demo users are exempt (:mod:`core.demo`).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位"
    if password.isdigit() or password.isalpha():
        return "密码须同时包含字母和数字"
    if password.lower() in common_passwords():
        return "该密码过于常见，容易被猜中，请换一个"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名"
    return None


def new_token() -> tuple[str, str]:
    """Return (token shown once, sha256 stored)."""
    token = "ld_" + secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
