"""The worker: the rule engine on the event streams, in shards that survive crashes."""
