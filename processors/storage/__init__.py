"""ClickHouse access: one client for both forms (chDB in-process, or a server), the schema."""
