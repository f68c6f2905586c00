"""The Faust worker: the rule engine on the event streams."""
