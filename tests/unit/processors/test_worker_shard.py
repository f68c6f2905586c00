"""The shard's clock moves only on evidence, and a restored checkpoint carries on exactly."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from processors.worker.config import WorkerConfig
from processors.worker.intake import Message, judge, shard_of
from processors.worker.shard import NEVER, Shard, Source, SourceBatch
from standards import snapshot
from standards.engine import Engine
from standards.loader import load_standards
from standards.testing import as_bytes, event
from standards.verdicts import Verdict, Violation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 10, tzinfo=UTC)
CONFIG = WorkerConfig(lateness=timedelta(seconds=30), allowed_lateness=timedelta(minutes=15))
HALL: Source = ("svc.events.hall", 0)
REPAIR: Source = ("svc.events.repair", 0)
UNIT = "GD-SZ-0001"


def _raw(kind: str, at: datetime, subject: str = "v1", **data: object) -> bytes:
    return as_bytes(event(f"hall.visit.{kind}", at, subject, id=f"{subject}-{kind}", **data))


def _shard() -> Shard:
    shard = Shard(shard_of(UNIT, 1), Engine(load_standards()))
    shard.track([HALL, REPAIR])
    return shard


def _message(source: Source, offset: int, raw: bytes | None) -> Message:
    return judge(*source, offset, raw, shards=1, config=CONFIG, now=NOW)


def _never_quiet(source: Source, next_offset: int | None) -> bool:
    return False


def _violations(verdicts: list[Verdict]) -> list[str]:
    return [v.rule for v in verdicts if isinstance(v, Violation)]


def test_a_partition_never_heard_from_holds_every_clock() -> None:
    shard = _shard()
    shard.take(_message(HALL, 0, _raw("checked_in", T0, brand="gotone_vip", customer="c")), CONFIG)
    shard.take(
        _message(
            HALL, 1, _raw("checked_in", T0 + timedelta(hours=5), "v2", brand="mzone", customer="c")
        ),
        CONFIG,
    )
    assert shard.settle(CONFIG, NOW, _never_quiet) == []
    assert shard.clock_time is None and len(shard.pending) == 2


def test_a_caught_up_quiet_partition_lets_the_clock_go_to_the_wall_clock_less_allowed_lateness() -> (
    None
):
    shard = _shard()
    shard.take(_message(HALL, 0, _raw("checked_in", T0, brand="gotone_vip", customer="c")), CONFIG)
    verdicts = shard.settle(CONFIG, NOW, lambda source, _: source == REPAIR)
    assert shard.clock_time == T0 - CONFIG.lateness  # the hall partition holds it: it is not quiet
    assert verdicts == []
    verdicts = shard.settle(CONFIG, NOW, lambda source, _: True)
    assert shard.clock_time == NOW - CONFIG.allowed_lateness
    assert _violations(verdicts) == ["hall.wait_time"]


def test_an_event_behind_its_partition_clock_is_a_late_dead_letter_not_a_verdict() -> None:
    shard = _shard()
    shard.take(
        _message(
            HALL, 0, _raw("checked_in", T0 + timedelta(hours=1), "v0", brand="mzone", customer="c")
        ),
        CONFIG,
    )
    letter = shard.take(
        _message(HALL, 1, _raw("checked_in", T0, brand="mzone", customer="c")), CONFIG
    )
    assert letter is not None and letter.reason.startswith("late:")
    assert letter.offset == 1
    on_time = shard.take(
        _message(
            HALL,
            2,
            _raw(
                "checked_in",
                T0 + timedelta(minutes=59, seconds=31),
                "v2",
                brand="mzone",
                customer="c",
            ),
        ),
        CONFIG,
    )
    assert on_time is None


def test_malformed_messages_become_dead_letters_and_move_no_clock() -> None:
    shard = _shard()
    far_future = _raw("checked_in", NOW + timedelta(days=30), brand="mzone", customer="c")
    huge = _raw("checked_in", T0, "v9", brand="mzone", customer="x" * 200_000)
    bad = [None, b"", b"{not json", b"\xff\xfe", far_future, huge, b"x" * 1_000_001]
    reasons = []
    for offset, raw in enumerate(bad):
        letter = shard.take(_message(HALL, offset, raw), CONFIG)
        assert letter is not None
        reasons.append(letter.reason.split(":")[0])
    assert reasons == ["empty", "empty", "invalid", "invalid", "future", "invalid", "too large"]
    assert shard.views[HALL].high == NEVER
    assert shard.views[HALL].next_offset == len(bad)


def test_events_reach_the_engine_in_time_order_whatever_the_partition_order() -> None:
    vip_in = _raw("checked_in", T0, brand="gotone_vip", customer="c")
    started = _raw("service_started", T0 + timedelta(minutes=5), counter="1", staff="s")
    one, two = _shard(), _shard()
    one.take(_message(HALL, 0, vip_in), CONFIG)
    one.take(_message(REPAIR, 0, started), CONFIG)
    two.take(_message(REPAIR, 0, started), CONFIG)
    two.take(_message(HALL, 0, vip_in), CONFIG)
    quiet_all = lambda source, _: True  # noqa: E731
    assert _violations(one.settle(CONFIG, NOW, quiet_all)) == []
    assert _violations(two.settle(CONFIG, NOW, quiet_all)) == []


def test_a_restored_checkpoint_gives_what_an_uninterrupted_shard_gives() -> None:
    raws = [
        _raw(
            "checked_in",
            T0 + timedelta(minutes=i),
            f"v{i}",
            brand="gotone_vip" if i % 2 else "mzone",
            customer=f"c{i}",
        )
        for i in range(40)
    ] + [
        _raw(
            "service_started",
            T0 + timedelta(minutes=i + (12 if i % 3 else 4)),
            f"v{i}",
            counter="1",
            staff="s",
        )
        for i in range(40)
    ]
    raws.sort(key=lambda raw: json.loads(raw)["time"])

    def run(restore_at: int | None) -> list[str]:
        shard, found = _shard(), []
        for offset, raw in enumerate(raws):
            shard.take(_message(HALL, offset, raw), CONFIG)
            found += [
                v.violation_id
                for v in shard.settle(CONFIG, NOW, lambda s, _: s == REPAIR)
                if isinstance(v, Violation)
            ]
            if offset == restore_at:
                shard = snapshot.loads(snapshot.dumps(shard))
        found += [
            v.violation_id
            for v in shard.settle(CONFIG, NOW, lambda s, _: True)
            if isinstance(v, Violation)
        ]
        return found

    straight = run(None)
    assert straight, "the scenario should produce violations"
    assert run(30) == straight
    assert run(55) == straight


def test_a_checkpoint_from_another_format_is_refused_with_a_reason() -> None:
    try:
        snapshot.loads(b"not a checkpoint")
    except ValueError as exc:
        assert "unreadable state" in str(exc)
    else:
        raise AssertionError("a broken checkpoint must be refused")


def test_a_batch_is_taken_exactly_as_its_messages_one_by_one() -> None:
    """`take_batch` (the hot path) and `take` (one message) leave the same state and the
    same dead letters, whichever shard owns what and wherever a shard's reading starts."""
    rng = random.Random(7)
    shards = 3
    messages = []
    for offset in range(400):
        at = T0 + timedelta(seconds=rng.randint(0, 600))
        unit = f"GD-SZ-{rng.randint(1, 9):04d}"
        raw = (
            None
            if rng.random() < 0.05
            else _raw("checked_in", at, f"v{offset}", unit=unit, brand="gotone", customer="c")
        )
        messages.append(judge(*HALL, offset, raw, shards=shards, config=CONFIG, now=NOW))
    for index in range(shards):
        for start in (None, 0, 37, 250):
            one, whole = (Shard(index, Engine(load_standards())) for _ in range(2))
            for shard in (one, whole):
                shard.track([HALL])
                shard.views[HALL].next_offset = start
            singles = [one.take(m, CONFIG) for m in messages if one.wants(HALL, m.offset)]
            batched = []
            for first in range(0, len(messages), 64):
                batched += whole.take_batch(
                    SourceBatch.of(HALL, messages[first : first + 64]), CONFIG
                )
            assert [letter for letter in singles if letter is not None] == batched
            assert one.views == whole.views and sorted(one.pending) == sorted(whole.pending)
            assert any(letter.reason.startswith("late") for letter in batched)


def test_settling_in_slices_gives_the_verdicts_of_one_settle() -> None:
    """The worker settles a large backlog a slice at a time (to keep its group membership
    alive); the verdicts, and their order, must not depend on the slices."""
    raws = []
    for visit in range(40):
        at = T0 + timedelta(minutes=visit)
        subject = f"v{visit}"
        raws.append(_raw("checked_in", at, subject, brand="gotone_vip", customer="c"))
        wait = timedelta(minutes=5 if visit % 3 else 25)  # every third VIP waits too long
        raws.append(_raw("service_started", at + wait, subject, counter="1", staff="s1"))
    raws.sort(key=lambda raw: json.loads(raw)["time"])
    whole, sliced = _shard(), _shard()
    for shard in (whole, sliced):
        messages = [_message(HALL, offset, raw) for offset, raw in enumerate(raws)]
        assert not shard.take_batch(SourceBatch.of(HALL, messages), CONFIG)
        shard.views[REPAIR].high = (T0 + timedelta(days=1)).timestamp()
    at_once = whole.settle(CONFIG, NOW, _never_quiet)
    in_slices: list[Verdict] = []
    rounds = 0
    while True:
        in_slices += sliced.settle(CONFIG, NOW, _never_quiet, budget=7)
        rounds += 1
        if not sliced.behind:
            break
    assert rounds > 5
    assert "hall.wait_time" in _violations(at_once)
    assert [v.to_record() for v in in_slices] == [v.to_record() for v in at_once]


def _repair(at: datetime, subject: str) -> bytes:
    arrived = event("repair.visit.arrived", at, subject, id=subject, source="/provinces/GD/repair")
    return as_bytes(arrived)


def test_a_deadline_between_two_events_fires_the_same_wherever_the_clock_stopped() -> None:
    """A VIP served after 12 minutes, nothing in between: whether a settle left the clock
    between the 10-minute deadline and the service, or jumped past both, the verdicts
    are the same records (the deadline fires before the later event either way, and
    the service revises it with the real wait)."""
    served = T0 + timedelta(minutes=12)
    visit = [
        _raw("checked_in", T0, brand="gotone_vip", customer="c"),
        _raw("service_started", served, counter="1", staff="s1"),
        _raw("called", served + timedelta(minutes=1), counter="2"),
    ]
    jumped, stopped = _shard(), _shard()
    jumped.take_batch(
        SourceBatch.of(HALL, [_message(HALL, i, r) for i, r in enumerate(visit)]), CONFIG
    )
    jumped.take(_message(REPAIR, 0, _repair(served + timedelta(minutes=5), "r0")), CONFIG)
    at_once = jumped.settle(CONFIG, NOW, _never_quiet)

    stopped.take_batch(
        SourceBatch.of(HALL, [_message(HALL, i, r) for i, r in enumerate(visit[:2])]), CONFIG
    )
    stopped.take(_message(REPAIR, 0, _repair(T0 + timedelta(minutes=11), "r1")), CONFIG)
    first = stopped.settle(CONFIG, NOW, _never_quiet)
    assert stopped.clock_time is not None and stopped.clock_time < served
    stopped.take(_message(HALL, 2, visit[2]), CONFIG)
    stopped.take(_message(REPAIR, 1, _repair(served + timedelta(minutes=5), "r2")), CONFIG)
    in_two = first + stopped.settle(CONFIG, NOW, _never_quiet)

    def waits(verdicts: list[Verdict]) -> list[dict[str, object]]:
        return [
            v.to_record()
            for v in verdicts
            if isinstance(v, Violation) and v.rule == "hall.wait_time"
        ]

    raised, settled = waits(at_once)  # at the deadline, then revised by the late service
    assert (raised["measured"], settled["measured"]) == (600, 720)
    assert settled["violation_id"] == raised["violation_id"] and settled["revision"] == 1
    assert waits(in_two) == waits(at_once)


def test_progress_moves_with_every_change_of_state_and_only_then() -> None:
    """The worker skips a checkpoint whose shard's progress has not moved: every kind of
    change must move it, and a settle that changes nothing must not."""
    shard = _shard()
    seen = [shard.progress()]
    assert shard.settle(CONFIG, NOW, _never_quiet) == [] and shard.progress() == seen[-1]
    invalid = _message(HALL, 0, b"{oops")
    assert shard.take(invalid, CONFIG) is not None  # a dead letter moves the offset only
    seen.append(shard.progress())
    shard.take(_message(HALL, 1, _raw("checked_in", T0, brand="gotone_vip", customer="c")), CONFIG)
    seen.append(shard.progress())  # one more event waiting
    shard.settle(CONFIG, NOW, lambda source, _: source == REPAIR)
    seen.append(shard.progress())  # the repair partition's mark and the clock moved
    shard.settle(CONFIG, NOW, lambda source, _: True)
    seen.append(shard.progress())  # the event was evaluated
    shard.engine.add(load_standards()[0].model_copy(update={"version": 99}))
    seen.append(shard.progress())  # a version put in force
    assert len(set(seen)) == len(seen)
    assert shard.settle(CONFIG, NOW, lambda source, _: True) == []
    assert shard.progress() == seen[-1]


def test_a_checkpoint_keeps_waiting_events_as_the_json_they_came_in() -> None:
    """A waiting event is stored as the bytes it was validated from (no second serialisation)
    unless a raw customer number was replaced; either way it comes back equal."""
    shard = _shard()
    clean = _raw("checked_in", T0, "v1", brand="gotone_vip", customer="c")
    raw_number = _raw("checked_in", T0, "v2", brand="gotone_vip", customer="13800138000")
    shard.take(_message(HALL, 0, clean), CONFIG)
    shard.take(_message(HALL, 1, raw_number), CONFIG)
    stored = {entry[3]: entry[4] for entry in shard.__getstate__()["pending"]}
    assert stored[0] == clean
    assert not isinstance(stored[1], bytes) and "13800138000" not in str(stored[1])
    restored = snapshot.loads(snapshot.dumps(shard))
    assert restored.pending == shard.pending
    assert [entry[5] for entry in sorted(restored.pending)] == [clean, None]
