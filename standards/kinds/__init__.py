"""Rule kinds: each a declarative family of rules with its parameters and its state machine.

A kind module holds the pydantic model of its `params` (what a rule file may
say) and the runtime that applies one such rule to events. New rules of an
existing kind need only YAML.
"""
