"""Publishing refuses changed content under an unchanged version; no broker needed for the decision."""

from __future__ import annotations

import json

import pytest

from processors.cli import main
from standards.loader import load_standards
from standards.model import Standard
from standards.publish import digest, message, plan

[V1] = load_standards()


def test_new_version_is_published() -> None:
    decided = plan([V1], {})
    assert decided.publish == [V1]
    assert decided.refused == []


def test_same_content_is_left_alone() -> None:
    decided = plan([V1], {V1.key: digest(V1)})
    assert decided.unchanged == [V1]
    assert decided.publish == []
    assert decided.refused == []


def test_changed_content_under_the_same_version_is_refused() -> None:
    edited = V1.model_copy(update={"title": V1.title + " (edited)"})
    decided = plan([edited], {V1.key: digest(V1)})
    assert decided.publish == []
    [reason] = decided.refused
    assert reason.startswith("cmcc-service@1: content differs")


def test_a_changed_limit_changes_the_digest() -> None:
    rule = V1.rule("hall.stain_cleanup")
    params = rule.params.model_copy(
        update={"limits": {"default": rule.params.limits["default"] * 2}}
    )
    rules = [r if r.id != rule.id else rule.model_copy(update={"params": params}) for r in V1.rules]
    assert digest(V1.model_copy(update={"rules": rules})) != digest(V1)


def test_message_is_keyed_by_standard_and_version_and_carries_the_digest() -> None:
    key, value = message(V1)
    assert key == b"cmcc-service@1"
    body = json.loads(value)
    assert body["digest"] == digest(V1)
    assert body["content"]["version"] == 1


def test_publish_command_refuses_without_sending(monkeypatch: pytest.MonkeyPatch) -> None:
    import standards.publish as publish

    sent: list[object] = []
    edited_digest = "0" * 64
    monkeypatch.setattr(publish, "read_published", lambda bootstrap, topic: {V1.key: edited_digest})
    monkeypatch.setattr(publish, "send", lambda bootstrap, topic, standards: sent.append(standards))
    assert main(["standards", "publish", "--bootstrap", "127.0.0.1:1"]) == 2
    assert sent == []


def test_publish_command_sends_a_new_version_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import standards.publish as publish

    topic: dict[str, str] = {}

    def send(bootstrap: str, name: str, standards: list[Standard]) -> None:
        for standard in standards:
            topic[standard.key] = digest(standard)

    monkeypatch.setattr(publish, "read_published", lambda bootstrap, name: dict(topic))
    monkeypatch.setattr(publish, "send", send)
    assert main(["standards", "publish", "--bootstrap", "127.0.0.1:1"]) == 0
    assert topic == {V1.key: digest(V1)}
    assert (
        main(["standards", "publish", "--bootstrap", "127.0.0.1:1"]) == 0
    )  # unchanged: nothing sent
