"""Sealing secrets at rest: Fernet (AES-128-CBC with HMAC-SHA256) under the desk's OTP keys.

The first key of TIERDESK_OTP_KEYS seals, every key opens, so a key is rotated by putting the new
one first and re-sealing (see `tierdesk.actions.second_factor.reseal`)."""

from __future__ import annotations

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _keys() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.TIERDESK_OTP_KEYS])


def seal(secret: bytes) -> str:
    return _keys().encrypt(secret).decode("ascii")


def unseal(sealed: str) -> bytes:
    return _keys().decrypt(sealed.encode("ascii"))


def reseal(sealed: str) -> str:
    """The same secret sealed under the first key."""
    return _keys().rotate(sealed.encode("ascii")).decode("ascii")
