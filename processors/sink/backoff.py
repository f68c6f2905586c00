"""Per-table retry delays for refused inserts: doubling up to a cap, reset by a success.

ClickHouse refuses inserts for a reason that passes (too many parts while merges
catch up, a server restarting, a read-only replica); retrying at once would
only add load, so each table waits longer after each refusal.
"""

from __future__ import annotations


class Backoff:
    def __init__(self, first_s: float, max_s: float) -> None:
        self._first_s = first_s
        self._max_s = max_s
        self._delay: dict[str, float] = {}
        self._retry_at: dict[str, float] = {}

    def failed(self, table: str, now: float) -> float:
        """Record a refusal at `now` (monotonic); returns the seconds until the next attempt."""
        delay = min(self._delay.get(table, self._first_s / 2) * 2, self._max_s)
        self._delay[table] = delay
        self._retry_at[table] = now + delay
        return delay

    def succeeded(self, table: str) -> bool:
        """Forget the table's refusals; True if it was backing off."""
        self._retry_at.pop(table, None)
        return self._delay.pop(table, None) is not None

    def retry_at(self, table: str) -> float:
        """When (monotonic) the table may be tried again; 0 when it is not backing off."""
        return self._retry_at.get(table, 0.0)

    def tables(self) -> set[str]:
        """Tables backing off."""
        return set(self._delay)
