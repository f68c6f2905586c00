"""Stream processing: the Faust worker around the rule engine, the ClickHouse sink, the stack."""
