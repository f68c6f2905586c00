"""The event contract: envelope and event models, topics, producer SDK and simulator."""
