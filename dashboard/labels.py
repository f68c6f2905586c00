"""Codes as people read them: 广东 (GD), 营业厅; an unknown code shows as it is."""

from __future__ import annotations

from dashboard.i18n import catalog, t


def _named(key: str, code: str) -> str:
    return t(key) if key in catalog() else code


def province_name(code: str) -> str:
    name = _named(f"core.province.{code}", code)
    return f"{name} ({code})" if name != code else code


def channel_name(channel: str) -> str:
    """A channel is a rule's prefix: hall, hotline, ivr, repair, complaint, notice."""
    return _named(f"core.channel.{channel}", channel)
