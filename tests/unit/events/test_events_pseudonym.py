"""Customer numbers are pseudonymised with a keyed HMAC; the key comes from the environment."""

from __future__ import annotations

import pytest

from events.errors import UserError
from events.pseudonym import KEY_VARIABLE, Pseudonymiser, pseudonymise


def test_same_number_same_key_same_pseudonym() -> None:
    assert pseudonymise("13800138000", b"k1") == pseudonymise("13800138000", b"k1")


def test_the_key_matters_and_the_number_never_shows() -> None:
    one, other = pseudonymise("13800138000", b"k1"), pseudonymise("13800138000", b"k2")
    assert one != other
    assert "13800138000" not in one
    assert one.startswith("c-") and len(one) == 2 + 32


def test_key_from_the_environment() -> None:
    made = Pseudonymiser.from_env({KEY_VARIABLE: "secret"})
    assert made("13800138000") == pseudonymise("13800138000", b"secret")


def test_a_missing_key_is_the_users_to_fix() -> None:
    with pytest.raises(UserError, match=KEY_VARIABLE):
        Pseudonymiser.from_env({})
