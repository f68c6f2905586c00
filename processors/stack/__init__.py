"""The local stack: a single-node Kafka broker and the ClickHouse schema.

`svcstd stack up | down | status | logs` (see `cli`), and a Python API for test
harnesses and other packages in `kafka_runtime` and `clickhouse_runtime`.
"""
