"""Password hashing (argon2 via pwdlib) and random tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets

from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()
# A real hash of a random password: verifying against it costs the same time as a real
# check, so an unknown e-mail cannot be told from a wrong password by timing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant-ish time whether or not the user exists."""
    return _hasher.verify(password, password_hash or _DUMMY_HASH) and password_hash is not None


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def temporary_password(length: int = 12) -> str:
    """A password an admin can read out: no look-alike characters, letters and digits mixed."""
    letters, digits = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ", "23456789"
    chars = [secrets.choice(letters + digits) for _ in range(length - 2)]
    chars += [secrets.choice(letters), secrets.choice(digits)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def sha256_hex(value: str) -> str:
    """Hash for high-entropy tokens (session tokens, API keys): fast lookup is safe."""
    return hashlib.sha256(value.encode()).hexdigest()


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password must have at least {MIN_PASSWORD_LENGTH} characters"
    if password.isdigit() or password.isalpha():
        return "password must mix letters with digits or symbols"
    return None
