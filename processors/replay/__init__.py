"""Replay of history: archived events re-evaluated under any standard version, into what-if tables."""
