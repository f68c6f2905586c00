"""The ground truth against an independent, literal reading of every rule.

Each rule is re-checked here from the written events alone, as its semantics
are documented in events/simulator/README.md. Every case in the truth file must
get its recorded verdict, and no subject outside the truth file may violate.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, time, timedelta
from itertools import pairwise
from typing import Any

import pytest

from events.simulator.context import SimConfig
from events.simulator.memory import Simulated, simulate_in_memory
from events.simulator.timespec import parse_start

Event = dict[str, Any]
Verdicts = dict[str, bool]
START = parse_start("2026-03-24", 0)  # eight days across a month end, before the April holidays
MIN, SEC = timedelta(minutes=1), timedelta(seconds=1)


@pytest.fixture(scope="module")
def simulated() -> Simulated:
    rare = (
        "hall.product_briefing", "hall.device_repair", "notice.advance", "notice.approval",
        "ivr.availability", "hotline.satisfaction", *(f"hall.satisfaction.{q}" for q in QUESTIONS),
    )  # fmt: skip
    config = SimConfig(
        ("GD", "BJ", "SH"),
        START,
        START + 8 * 86_400_000,
        seed=11,
        violation_rate=0.25,
        rule_rates={rule: 0.5 for rule in rare},  # every such entity a case, either verdict
        scale=0.3,
    )
    return simulate_in_memory(config)


@pytest.fixture(scope="module")
def events(simulated: Simulated) -> list[Event]:
    return simulated.parsed()


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _by_subject(events: list[Event], prefix: str) -> dict[str, list[Event]]:
    groups: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event["type"].startswith(prefix):
            groups[event["subject"]].append(event)
    return groups


def _first(events: list[Event], type_: str) -> Event | None:
    return next((e for e in events if e["type"] == type_), None)


# --- halls ---------------------------------------------------------------------------------

WAIT = {"gotone_vip": 10 * MIN, "gotone": 15 * MIN}
GOTONE = {"gotone", "gotone_vip"}
QUESTIONS = ("overall", "politeness", "consultation", "handling")
FIVE = {"number_selection", "bill_query", "bill_printing", "payment", "online_business"}


def wait_time(events: list[Event]) -> Verdicts:
    out = {}
    for subject, evs in _by_subject(events, "hall.visit.").items():
        checked = _first(evs, "hall.visit.checked_in")
        assert checked is not None
        end = _first(evs, "hall.visit.service_started") or _first(evs, "hall.visit.abandoned")
        assert end is not None
        out[subject] = _t(end["time"]) - _t(checked["time"]) > WAIT.get(
            checked["data"]["brand"], 30 * MIN
        )
    return out


def _hall_days(events: list[Event]) -> dict[str, list[Event]]:
    return {s: evs for s, evs in _by_subject(events, "hall.day.").items()}


def opening_hours(events: list[Event]) -> Verdicts:
    out = {}
    for subject, evs in _hall_days(events).items():
        opened, closed = evs[0], evs[1]
        minimum = timedelta(hours=8 if opened["data"]["tier"] == "township" else 10)
        out[subject] = _t(closed["time"]) - _t(opened["time"]) < minimum
    return out


def queue_system(events: list[Event]) -> Verdicts:
    out = {}
    for subject, evs in _hall_days(events).items():
        d = evs[0]["data"]
        out[subject] = d["counters"] >= 4 and d["has_rest_area"] and not d["queue_system"]
    return out


def self_service_offer(events: list[Event]) -> Verdicts:
    out = {}
    for subject, evs in _hall_days(events).items():
        d = evs[0]["data"]
        offered = set(d["self_service"])
        if d["tier"] == "township":
            out[subject] = not {"bill_query", "bill_printing"} <= offered
        elif d["tier"] in ("county", "suburb"):
            out[subject] = len(offered & FIVE) < 4
        else:
            out[subject] = not offered >= FIVE
    return out


def stain_cleanup(events: list[Event]) -> Verdicts:
    return {
        s: _t(evs[1]["time"]) - _t(evs[0]["time"]) > 5 * MIN
        for s, evs in _by_subject(events, "hall.stain.").items()
    }


def product_briefing(events: list[Event]) -> Verdicts:
    return {
        e["subject"]: _t(e["time"]) > _t(e["data"]["launch_at"]) - timedelta(hours=48)
        for e in events
        if e["type"] == "hall.product.briefed"
    }


def _add_working_days(moment: datetime, days: int) -> datetime:
    while days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def device_repair(events: list[Event]) -> Verdicts:
    tiers = {
        (e["unit"], e["time"][:10]): e["data"]["tier"]
        for e in events
        if e["type"] == "hall.day.opened"
    }
    limit = {"city1": 2, "city2": 2, "city3": 3, "county": 4, "suburb": 4, "township": 5}
    out = {}
    for subject, evs in _by_subject(events, "hall.device.").items():
        reported, resolved = _t(evs[0]["time"]), _t(evs[1]["time"])
        tier = tiers.get((evs[0]["unit"], evs[0]["time"][:10]))
        if tier is not None:
            out[subject] = resolved > _add_working_days(reported, limit[tier])
    return out


def priority_overflow(events: list[Event]) -> Verdicts:
    out: Verdicts = {}
    waiting: dict[str, dict[str, datetime]] = defaultdict(
        dict
    )  # hall → gotone subject → checked in
    brands: dict[str, str] = {}
    for e in events:
        if not e["type"].startswith("hall.visit."):
            continue
        hall, subject = e["unit"], e["subject"]
        if e["type"] == "hall.visit.checked_in":
            brands[subject] = e["data"]["brand"]
            if brands[subject] in GOTONE:
                waiting[hall][subject] = _t(e["time"])
        elif e["type"] in ("hall.visit.service_started", "hall.visit.abandoned"):
            waiting[hall].pop(subject, None)
            if e["type"] == "hall.visit.service_started" and brands[subject] not in GOTONE:
                out[subject] = len(waiting[hall]) >= 3
    return out


def _ratio(
    events: list[Event], type_: str, fields: dict[str, str], targets: dict[str, float]
) -> dict[str, Verdicts]:
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for e in events:
        if e["type"] == type_:
            for field, rule in fields.items():
                if field in e["data"]:
                    c = counts[(rule, f"{e['unit']}:{e['time'][:7]}")]
                    c[0] += e["data"][field]
                    c[1] += 1
    out: dict[str, Verdicts] = defaultdict(dict)
    for (rule, subject), (yes, total) in counts.items():
        out[rule][subject] = yes / total < targets[rule]
    return out


def hall_satisfaction(events: list[Event]) -> dict[str, Verdicts]:
    fields = {f: f"hall.satisfaction.{f}" for f in QUESTIONS}
    targets = {r: 0.95 if r.endswith("politeness") else 0.9 for r in fields.values()}
    return _ratio(events, "hall.visit.survey", fields, targets)


# --- hotline -------------------------------------------------------------------------------


def _calls(events: list[Event]) -> dict[str, list[Event]]:
    return _by_subject(events, "hotline.")


def _utterances(evs: list[Event], speaker: str) -> list[dict[str, Any]]:
    found = [
        e["data"]
        for e in evs
        if e["type"] == "hotline.utterance" and e["data"]["speaker"] == speaker
    ]
    return sorted(found, key=lambda d: _t(d["started_at"]))


def _per_call(check: Callable[[list[Event]], bool | None]) -> Callable[[list[Event]], Verdicts]:
    def verdicts(events: list[Event]) -> Verdicts:
        out = {}
        for subject, evs in _calls(events).items():
            result = check(evs)
            if result is not None:
                out[subject] = result
        return out

    return verdicts


@_per_call
def response_latency(evs: list[Event]) -> bool:
    agent = _utterances(evs, "agent")
    late = False
    for said in _utterances(evs, "customer"):
        end = _t(said["ended_at"])
        nxt = [_t(a["started_at"]) for a in agent if _t(a["started_at"]) >= end]
        late = late or bool(nxt and min(nxt) - end > 3 * SEC)
    return late


@_per_call
def long_speech_ack(evs: list[Event]) -> bool:
    agent = _utterances(evs, "agent")
    bad = False
    for c in _utterances(evs, "customer"):
        start, end = _t(c["started_at"]), _t(c["ended_at"])
        if end - start > 30 * SEC:
            bad = bad or not any(
                start <= _t(a["started_at"]) and _t(a["ended_at"]) <= end for a in agent
            )
    return bad


def _holds(evs: list[Event]) -> list[tuple[Event, Event]]:
    starts = [e for e in evs if e["type"] == "hotline.hold.started"]
    ends = [e for e in evs if e["type"] == "hotline.hold.ended"]
    return list(zip(starts, ends, strict=True))


@_per_call
def lookup_apology(evs: list[Event]) -> bool:
    agent = _utterances(evs, "agent")
    bad = False
    for started, ended in _holds(evs):
        if (
            started["data"]["reason"] == "lookup"
            and _t(ended["time"]) - _t(started["time"]) > 30 * SEC
        ):
            after = [a for a in agent if _t(a["started_at"]) >= _t(ended["time"])]
            bad = bad or not (after and "让您久等了" in after[0]["text"])
    return bad


@_per_call
def lookup_announced(evs: list[Event]) -> bool:
    return any(
        s["data"]["reason"] == "lookup" and not s["data"]["announced"] for s, _ in _holds(evs)
    )


@_per_call
def unannounced_mute(evs: list[Event]) -> bool:
    return any(s["data"]["reason"] == "mute" and not s["data"]["announced"] for s, _ in _holds(evs))


@_per_call
def transfer_pause(evs: list[Event]) -> bool:
    return any(
        _t(e["time"]) - _t(e["data"]["phrase_ended_at"]) < 2 * SEC
        for e in evs
        if e["type"] == "hotline.transfer"
    )


@_per_call
def forbidden_phrase(evs: list[Event]) -> bool:
    phrases = ("刚刚已经跟您说过了", "就是我之前告诉您的", "再说一次", "什么")
    return any(p in a["text"] for a in _utterances(evs, "agent") for p in phrases)


@_per_call
def greeting(evs: list[Event]) -> bool | None:
    agent = _utterances(evs, "agent")
    return None if not agent else "您好" not in agent[0]["text"]


@_per_call
def closing(evs: list[Event]) -> bool | None:
    agent = _utterances(evs, "agent")
    return None if not agent else not ("再见" in agent[-1]["text"] or "感谢" in agent[-1]["text"])


@_per_call
def evaluation_invite(evs: list[Event]) -> bool | None:
    if _first(evs, "hotline.call.answered") is None:
        return None
    invited, ended = _first(evs, "hotline.evaluation.invited"), _first(evs, "hotline.call.ended")
    assert ended is not None
    return invited is None or _t(invited["time"]) >= _t(ended["time"])


@_per_call
def english_desk(evs: list[Event]) -> bool | None:
    offered = _first(evs, "hotline.call.offered")
    if offered is None or offered["data"]["language"] != "en":
        return None
    return not any(
        e["type"] == "hotline.transfer" and e["data"]["target"] == "english_desk" for e in evs
    )


def hotline_satisfaction(events: list[Event]) -> dict[str, Verdicts]:
    return _ratio(
        events,
        "hotline.call.survey",
        {"satisfied": "hotline.satisfaction"},
        {"hotline.satisfaction": 0.9},
    )


# --- IVR -----------------------------------------------------------------------------------


def ivr_greeting(events: list[Event]) -> Verdicts:
    out = {}
    for subject, evs in _by_subject(events, "ivr.").items():
        prompts = [e for e in evs if e["type"] == "ivr.prompt.played"]
        if prompts:
            out[subject] = "您好，欢迎使用10086" not in prompts[0]["data"]["text"]
    return out


def agent_reachable(events: list[Event]) -> Verdicts:
    out = {}
    for subject, evs in _by_subject(events, "ivr.").items():
        ended = _first(evs, "ivr.session.ended")
        if _first(evs, "ivr.agent.requested") is not None and ended is not None:
            out[subject] = ended["data"]["outcome"] != "to_agent"
    return out


def availability(events: list[Event]) -> Verdicts:
    beats: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e["type"] == "ivr.availability":
            beats[e["unit"]].append(e)
    out: Verdicts = {}
    end = max(_t(e["time"]) for e in events)
    for unit, evs in beats.items():
        for prev, cur in pairwise(evs):
            day = f"{unit}:{prev['time'][:10]}"
            down = not prev["data"]["available"] or _t(cur["time"]) - _t(prev["time"]) > 5 * MIN
            out[day] = out.get(day, False) or down
        silent = _t(evs[-1]["time"]) + 5 * MIN  # silence is downtime, until the log's end
        while silent < end:
            out[f"{unit}:{silent.date().isoformat()}"] = True
            silent = datetime.combine(silent.date() + timedelta(days=1), time(0), silent.tzinfo)
    return out


# --- repair, notices, complaints -----------------------------------------------------------


def _tickets(events: list[Event]) -> dict[str, list[Event]]:
    return _by_subject(events, "repair.")


def _deadline(evs: list[Event]) -> tuple[datetime, datetime, str]:
    opened, resolved = evs[0], _first(evs, "repair.ticket.resolved")
    assert resolved is not None
    limit = timedelta(hours=48 if opened["data"]["area"] == "urban" else 72)
    return _t(opened["time"]) + limit, _t(resolved["time"]), resolved["data"]["cause"]


def repair_deadline(events: list[Event]) -> Verdicts:
    out = {}
    for s, evs in _tickets(events).items():
        deadline, resolved, cause = _deadline(evs)
        out[s] = resolved > deadline and cause != "terminal"
    return out


def delay_notice(events: list[Event]) -> Verdicts:
    out = {}
    for s, evs in _tickets(events).items():
        deadline, resolved, cause = _deadline(evs)
        if resolved > deadline:
            notices = [
                _t(e["time"])
                for e in evs
                if e["type"] == "repair.customer.notified" and e["data"]["reason"] == "delay"
            ]
            out[s] = cause != "terminal" and not any(at <= deadline for at in notices)
    return out


def fee_waiver(events: list[Event]) -> Verdicts:
    out = {}
    for s, evs in _tickets(events).items():
        deadline, resolved, cause = _deadline(evs)
        if resolved > deadline:
            if cause == "terminal":
                out[s] = False
                continue
            fee = evs[0]["data"]["monthly_fee"]
            owed = (
                math.ceil(round(fee * 100) * (resolved - _t(evs[0]["time"])) / timedelta(days=30))
                / 100
            )
            out[s] = not any(
                _t(e["time"]) <= resolved + timedelta(days=7) and e["data"]["amount"] >= owed
                for e in evs
                if e["type"] == "repair.fee.waived"
            )
    return out


def appointment(events: list[Event]) -> Verdicts:
    out = {}
    for s, evs in _tickets(events).items():
        scheduled, arrived = (
            _first(evs, "repair.visit.scheduled"),
            _first(evs, "repair.visit.arrived"),
        )
        assert scheduled is not None and arrived is not None
        out[s] = _t(arrived["time"]) > _t(scheduled["data"]["appointment_at"]) + 15 * MIN
    return out


def notice_advance(events: list[Event]) -> Verdicts:
    out = {}
    for s, evs in _by_subject(events, "notice.maintenance.").items():
        plan = evs[0]["data"]
        if plan["expected_hours"] <= 24:
            announced = _first(evs, "notice.maintenance.announced")
            limit = _t(plan["starts_at"]) - timedelta(hours=72)
            out[s] = announced is None or _t(announced["time"]) > limit
    return out


def notice_approval(events: list[Event]) -> Verdicts:
    return {
        e["subject"]: (e["data"]["expected_hours"] > 24 or e["data"]["important_customers"])
        and e["data"]["approval"] is None
        for e in events
        if e["type"] == "notice.maintenance.planned"
    }


def _complaints(events: list[Event], promised: bool) -> Verdicts:
    out = {}
    for s, evs in _by_subject(events, "complaint.").items():
        opened, replied = evs[0], _first(evs, "complaint.replied")
        assert replied is not None
        if ("promised_reply_at" in opened["data"]) == promised:
            limit = (
                _t(opened["data"]["promised_reply_at"])
                if promised
                else _t(opened["time"]) + timedelta(days=15)
            )
            out[s] = _t(replied["time"]) > limit
    return out


CHECKS: dict[str, Callable[[list[Event]], Verdicts]] = {
    "hall.opening_hours": opening_hours,
    "hall.queue_system": queue_system,
    "hall.wait_time": wait_time,
    "hall.stain_cleanup": stain_cleanup,
    "hall.device_repair": device_repair,
    "hall.self_service_offer": self_service_offer,
    "hall.product_briefing": product_briefing,
    "hall.satisfaction.overall": lambda ev: hall_satisfaction(ev)["hall.satisfaction.overall"],
    "hall.satisfaction.politeness": lambda ev: hall_satisfaction(ev)[
        "hall.satisfaction.politeness"
    ],
    "hall.satisfaction.consultation": lambda ev: hall_satisfaction(ev)[
        "hall.satisfaction.consultation"
    ],
    "hall.satisfaction.handling": lambda ev: hall_satisfaction(ev)["hall.satisfaction.handling"],
    "hall.priority_overflow": priority_overflow,
    "hotline.response_latency": response_latency,
    "hotline.long_speech_ack": long_speech_ack,
    "hotline.lookup_apology": lookup_apology,
    "hotline.lookup_announced": lookup_announced,
    "hotline.unannounced_mute": unannounced_mute,
    "hotline.transfer_pause": transfer_pause,
    "hotline.forbidden_phrase": forbidden_phrase,
    "hotline.greeting": greeting,
    "hotline.closing": closing,
    "hotline.evaluation_invite": evaluation_invite,
    "hotline.english_desk": english_desk,
    "hotline.satisfaction": lambda ev: hotline_satisfaction(ev)["hotline.satisfaction"],
    "ivr.availability": availability,
    "ivr.greeting": ivr_greeting,
    "ivr.agent_reachable": agent_reachable,
    "repair.deadline": repair_deadline,
    "repair.delay_notice": delay_notice,
    "repair.fee_waiver": fee_waiver,
    "repair.appointment": appointment,
    "notice.advance": notice_advance,
    "notice.approval": notice_approval,
    "complaint.reply_promise": lambda ev: _complaints(ev, promised=True),
    "complaint.reply_limit": lambda ev: _complaints(ev, promised=False),
}


def test_every_catalog_rule_has_cases_of_both_verdicts(simulated: Simulated) -> None:
    built = {(case["rule"], case["violation"]) for case in simulated.truth}
    missing = sorted(
        (rule, verdict)
        for rule in CHECKS
        for verdict in (True, False)
        if (rule, verdict) not in built
    )
    assert missing == []
    assert {case["rule"] for case in simulated.truth} == set(CHECKS)


def test_a_subject_holds_at_most_one_case_per_rule(simulated: Simulated) -> None:
    keys = [(case["rule"], case["subject"]) for case in simulated.truth]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("rule", sorted(CHECKS))
def test_truth_matches_a_literal_reading_and_background_complies(
    simulated: Simulated, events: list[Event], rule: str
) -> None:
    verdicts = CHECKS[rule](events)
    cases = {case["subject"]: case["violation"] for case in simulated.truth if case["rule"] == rule}
    wrong = {
        subject: expected
        for subject, expected in cases.items()
        if verdicts.get(subject) != expected
    }
    assert wrong == {}, f"{len(wrong)} of {len(cases)} cases disagree"
    unlisted = sorted(
        subject for subject, violated in verdicts.items() if violated and subject not in cases
    )
    assert unlisted == []
