"""Keyed pseudonyms for customer numbers, so raw phone numbers never leave the edge.

Channel systems call `pseudonymise` before publishing; the same number under the
same key always gives the same pseudonym, so one customer's events still join.
"""

from __future__ import annotations

import hmac
import os

from events.errors import UserError

KEY_VARIABLE = "SVC_PSEUDONYM_KEY"
PREFIX = "c-"
# The built-in key of demos and the simulator (whose numbers are fake); a deployment
# sets SVC_PSEUDONYM_KEY.
DEMO_KEY = b"svc-standards-simulator"


class Pseudonymiser:
    """HMAC-SHA256 of the number under a secret key, shortened to 128 bits of hex."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("the pseudonymisation key must not be empty")
        self._key = key

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Pseudonymiser:
        """The key comes from SVC_PSEUDONYM_KEY; a missing key is the user's to fix."""
        env = os.environ if environ is None else environ
        key = env.get(KEY_VARIABLE, "")
        if not key:
            raise UserError(f"set {KEY_VARIABLE} to the secret key for customer pseudonyms")
        return cls(key.encode())

    def __call__(self, number: str) -> str:
        digest = hmac.digest(self._key, number.encode(), "sha256")
        return PREFIX + digest[:16].hex()


def pseudonymise(number: str, key: bytes) -> str:
    """One-off form of `Pseudonymiser(key)(number)`."""
    return Pseudonymiser(key)(number)
