"""The projector: derived topics into ClickHouse, batched, idempotent, offsets after inserts."""
