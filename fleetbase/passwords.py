"""Password hashes: Argon2 for people, Mosquitto's PBKDF2 format for MQTT logins."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_argon2 = PasswordHasher()

# Mosquitto 2's `$7$` format: PBKDF2-HMAC-SHA512, 101 iterations, 12-byte salt.
MQTT_ITERATIONS = 101


def hash_user_password(password: str) -> str:
    return _argon2.hash(password)


def verify_user_password(password_hash: str, password: str) -> bool:
    try:
        return _argon2.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_mqtt_password(password: str, *, salt: bytes | None = None) -> str:
    """A line's hash part for Mosquitto's password file, as `mosquitto_passwd` writes it."""
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, MQTT_ITERATIONS)
    return f"$7${MQTT_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def new_mqtt_password() -> str:
    return secrets.token_urlsafe(18)


def new_http_token() -> str:
    """A tracker's HTTP ingress secret (in its URL path): 32 URL-safe characters, 192 bits."""
    return secrets.token_urlsafe(24)


def http_token_digest(token: str) -> bytes:
    """What is stored of an HTTP secret: long and random, it needs no slow hash."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def demo_tracker_password(demo_password: str, tracker_id: str) -> str:
    """The demo fleet's tracker passwords, derived so the simulator can log in as each."""
    mac = hmac.new(demo_password.encode(), tracker_id.encode(), hashlib.sha256)
    return mac.hexdigest()[:24]
