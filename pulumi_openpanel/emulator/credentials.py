"""Client secrets: generated, stored and checked the way OpenPanel does it.

The server keeps ``<salt>.<key>`` where the salt is 16 random bytes written as 32 hex digits
(and fed to scrypt as that text) and the key is 32 bytes of scrypt (N=16384, r=8, p=1) as 64
hex digits. Clients see this hash in GET answers, so the emulator must produce the same shape.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading

_N, _R, _P, _KEY_BYTES = 16384, 8, 1, 32


def new_secret() -> str:
    return f"sec_{secrets.token_hex(10)}"


def _derive(secret: str, salt: str) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt.encode(), n=_N, r=_R, p=_P, dklen=_KEY_BYTES)


def hash_secret(secret: str) -> str:
    salt = secrets.token_hex(16)
    return f"{salt}.{_derive(secret, salt).hex()}"


def verify_secret(secret: str, stored: str) -> bool:
    salt, _, key_hex = stored.partition(".")
    try:
        expected = bytes.fromhex(key_hex)
    except ValueError:
        return False
    return hmac.compare_digest(_derive(secret, salt), expected)


class VerificationCache:
    """Remembers successful checks so that each request does not pay for scrypt again.

    Entries are keyed by the client id, a SHA-256 of the offered secret and the stored hash,
    so a deleted or re-keyed client can never be let in by an old entry. The plain secret is
    never kept.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._verified: set[tuple[str, str, str]] = set()

    def check(self, client_id: str, secret: str, stored: str) -> bool:
        key = (client_id, hashlib.sha256(secret.encode()).hexdigest(), stored)
        with self._lock:
            if key in self._verified:
                return True
        if not verify_secret(secret, stored):
            return False
        with self._lock:
            self._verified.add(key)
        return True
