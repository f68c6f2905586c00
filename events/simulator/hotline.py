"""10086 hotline traffic: calls with utterances, holds, transfers, invitations, surveys.

A call is a script: the agent greets, the customer and agent alternate, maybe a
hold or a transfer, the agent closes, invites an evaluation and the call ends.
Background scripts stay far from every limit (replies within 1.5 s, holds of at
most 20 s, transfer pauses of 3 s and more, polite texts only). A call carries at
most one injected case, built on exactly one side of its rule's limit.
"""

from __future__ import annotations

import random

from events.simulator.context import Context, between
from events.simulator.curve import CALL_CURVE, arrivals, volume
from events.simulator.group import Group, Unit, jstr
from events.simulator.ratio import RatioBook
from events.simulator.timefmt import DAY_MS, SECOND_MS, iso, local_date, local_month
from events.simulator.world import Province

CALLS_PER_DAY = 400
RULES: tuple[str, ...] = (
    "hotline.response_latency",
    "hotline.long_speech_ack",
    "hotline.lookup_apology",
    "hotline.lookup_announced",
    "hotline.unannounced_mute",
    "hotline.transfer_pause",
    "hotline.forbidden_phrase",
    "hotline.greeting",
    "hotline.closing",
    "hotline.evaluation_invite",
    "hotline.english_desk",
)
LATENCY_LIMIT_MS = 3 * SECOND_MS
LONG_SPEECH_MS = 30 * SECOND_MS
LOOKUP_APOLOGY_MS = 30 * SECOND_MS
TRANSFER_PAUSE_MS = 2 * SECOND_MS
APOLOGY = "让您久等了"
FORBIDDEN = ("刚刚已经跟您说过了", "就是我之前告诉您的", "再说一次")

# Agent texts avoid every forbidden phrase (and the rhetorical 什么 altogether).
GREETINGS = tuple(jstr(f"您好，很高兴为您服务，工号{n}号。") for n in (1021, 2307, 3390, 4412))
QUESTIONS = tuple(
    jstr(text)
    for text in (
        "我想查一下这个月的流量还剩多少。",
        "帮我看看话费余额。",
        "我想把套餐换成便宜一点的。",
        "家里宽带最近老是断线。",
        "出国以后手机怎么开通漫游？",
        "上个月的账单好像多扣了钱。",
    )
)
REPLIES = tuple(
    jstr(text)
    for text in (
        "好的，您本月剩余的通用流量是十二GB。",
        "您当前的话费余额是八十六元五角。",
        "可以的，新套餐将在下个月一号生效。",
        "这边已经为您登记报修，维修人员会尽快联系您。",
        "您可以在中国移动APP上一键开通国际漫游。",
        "这边为您核对账单，多收的费用会在三个工作日内退回。",
    )
)
BEFORE_HOLD = jstr("好的，请您稍等，我帮您查询一下。")
BEFORE_MUTE = jstr("请您稍等，我为您核实一下信息。")
AFTER_HOLD = jstr("感谢您的耐心等待，已经为您查到了。")
AFTER_LONG_HOLD = jstr(f"{APOLOGY}，已经为您查到了。")
ACK = jstr("嗯，好的，您请继续。")
LONG_STORY = jstr(
    "是这样的，我上周在营业厅办了宽带，装好以后一直断断续续，打了好几次电话也没人上门……"
)
ANYTHING_ELSE = jstr("请问还有其他需要帮助的吗？")
NOTHING_ELSE = jstr("没有了，谢谢。")
CLOSING = jstr("感谢您的来电，再见！")
TRANSFER_PHRASE = jstr("正在为您转接，感谢您的耐心等待。")
ENGLISH_QUESTION = jstr("Hello, do you speak English?")
ENGLISH_TRANSFER = jstr("好的，正在为您转接英文服务，感谢您的耐心等待。")
ENGLISH_REPLY = jstr("OK, your balance is eighty six yuan.")
FORBIDDEN_REPLIES = tuple(jstr(f"{phrase}，新套餐下个月一号生效。") for phrase in FORBIDDEN)
NEAR_FORBIDDEN = jstr("我再为您说明一下，新套餐下个月一号生效。")
BAD_GREETING = jstr("喂，请讲。")
MIN_GREETING = jstr("您好，请讲。")
BAD_CLOSING = jstr("好的。")
MIN_CLOSING = jstr("再见。")
TRANSFER_TARGETS = ("knowledge_audio", "ivr", "expert")
HOLD_RULES = frozenset(
    {"hotline.lookup_apology", "hotline.lookup_announced", "hotline.unannounced_mute"}
)


class HotlineSim:
    """Calls for each province's call center, following the day's call curve."""

    def __init__(self, ctx: Context, provinces: list[Province], ratios: RatioBook) -> None:
        self._ctx = ctx
        self._ratios = ratios
        self._centers = [p.call_center for p in provinces]

    def day(self, day_ms: int) -> list[Group]:
        groups: list[Group] = []
        date = local_date(day_ms)
        compact = date.replace("-", "")
        for center in self._centers:
            rng = self._ctx.rng("hotline", center.unit, date)
            n = volume(rng, CALLS_PER_DAY * self._ctx.scale)
            for i, t in enumerate(arrivals(rng, day_ms, day_ms, day_ms + DAY_MS, n, CALL_CURVE)):
                call = _Call(
                    self._ctx, self._ratios, center, f"{center.unit}:{compact}:c{i:05d}", t, rng
                )
                call.build()
                if self._ctx.accept(t):
                    groups.append(call.group)
        return groups


class _Call:
    """One call's script, written event by event on a running clock."""

    def __init__(
        self,
        ctx: Context,
        ratios: RatioBook,
        center: Unit,
        subject: str,
        t: int,
        rng: random.Random,
    ) -> None:
        self.ctx, self.ratios, self.center, self.subject, self.rng = (
            ctx,
            ratios,
            center,
            subject,
            rng,
        )
        self.group = Group(center, subject, t)
        self.t = t
        self.live = ctx.accept(t)
        self.transferred = False

    def event(self, at: int, type_: str, data: str = "{}") -> None:
        self.group.add(at, type_, self.subject, data)

    def say(self, speaker: str, text: str, gap_ms: int, duration_ms: int) -> int:
        """An utterance starting `gap_ms` after the clock; the clock moves to its end."""
        start = self.t + gap_ms
        end = start + duration_ms
        stamp = iso(end)
        data = f'{{"speaker":"{speaker}","started_at":"{iso(start)}","ended_at":"{stamp}","text":{text}}}'
        self.group.add(end, "hotline.utterance", self.subject, data, stamp)
        self.t = end
        return end

    def agent(self, text: str, latency_ms: int | None = None) -> int:
        r = self.rng.random
        gap = 300 + int(r() * 1201) if latency_ms is None else latency_ms
        return self.say("agent", text, gap, 3000 + int(r() * 9001))

    def customer(self, text: str, duration_ms: int | None = None) -> int:
        r = self.rng.random
        length = 2000 + int(r() * 10001) if duration_ms is None else duration_ms
        return self.say("customer", text, 500 + int(r() * 1501), length)

    def hold(self, reason: str, announced: bool, duration_ms: int) -> None:
        start = self.t + between(self.rng, 300, 800)
        self.event(
            start, "hotline.hold.started", f'{{"reason":"{reason}","announced":{_b(announced)}}}'
        )
        self.t = start + duration_ms
        self.event(self.t, "hotline.hold.ended")

    def transfer(self, target: str, phrase: str, pause_ms: int) -> None:
        phrase_end = self.agent(phrase)
        self.transferred = True
        self.t = phrase_end + pause_ms
        self.event(
            self.t,
            "hotline.transfer",
            f'{{"target":"{target}","phrase_ended_at":"{iso(phrase_end)}"}}',
        )

    def build(self) -> None:
        rng, ctx = self.rng, self.ctx
        case = ctx.pick(rng, RULES)
        rule, violation = case if case is not None else ("", False)
        english = rule == "hotline.english_desk"
        queue = "gotone" if rng.random() < 0.2 else "general"
        customer = ctx.customer(rng)
        language = "en" if english else "zh"
        self.event(
            self.t,
            "hotline.call.offered",
            f'{{"queue":"{queue}","language":"{language}","customer":"{customer}"}}',
        )
        if case is None and rng.random() < 0.04:  # hung up while queuing: never answered
            self.t += between(rng, 10, 60) * SECOND_MS
            self.event(self.t, "hotline.call.ended", '{"ended_by":"customer"}')
            return
        self.t += between(rng, 5, 40) * SECOND_MS
        self.event(
            self.t,
            "hotline.call.answered",
            f'{{"agent":"{self.center.unit}-A{between(rng, 1, 200):03d}"}}',
        )
        if case is not None:
            self.group.case(rule, self.subject, violation)
        if english:
            self._english(violation)
        else:
            self._conversation(rule, violation)
        self._finish(rule, violation)

    def _conversation(self, rule: str, violation: bool) -> None:
        rng = self.rng
        greeting = GREETINGS[rng.randrange(len(GREETINGS))]
        if rule == "hotline.greeting":
            greeting = BAD_GREETING if violation else MIN_GREETING
        self.agent(greeting)
        exchanges = between(rng, 2, 4)
        special = rng.randrange(exchanges)
        for i in range(exchanges):
            here = i == special
            if here and rule == "hotline.long_speech_ack":
                extra = between(rng, 1, 60_000) if violation else 0
                self.customer(LONG_STORY, LONG_SPEECH_MS + extra)
            else:
                self.customer(QUESTIONS[rng.randrange(len(QUESTIONS))])
            reply = REPLIES[rng.randrange(len(REPLIES))]
            latency: int | None = None
            if here and rule == "hotline.response_latency":
                latency = LATENCY_LIMIT_MS + (between(rng, 1, 5000) if violation else 0)
            if here and rule == "hotline.forbidden_phrase":
                reply = (
                    FORBIDDEN_REPLIES[rng.randrange(len(FORBIDDEN))]
                    if violation
                    else NEAR_FORBIDDEN
                )
            if here and rule in HOLD_RULES:
                self._hold(rule, violation)
            elif not rule and rng.random() < 0.2:
                self._hold("", False)
            else:
                self.agent(reply, latency)

    def _hold(self, rule: str, violation: bool) -> None:
        """A hold after the agent says why, then the agent's next utterance."""
        rng = self.rng
        reason, announced, duration = "lookup", True, between(rng, 5000, 20000)
        after = AFTER_HOLD
        if rule == "hotline.lookup_announced":
            announced = not violation
        elif rule == "hotline.unannounced_mute":
            reason, announced = "mute", not violation
        elif rule == "hotline.lookup_apology":
            if violation:
                duration = LOOKUP_APOLOGY_MS + between(rng, 1, 90_000)
            elif rng.random() < 0.5:
                duration = LOOKUP_APOLOGY_MS
            else:
                duration, after = LOOKUP_APOLOGY_MS + between(rng, 1, 90_000), AFTER_LONG_HOLD
        elif rng.random() < 0.2:
            reason = "mute"
        self.agent(BEFORE_MUTE if reason == "mute" else BEFORE_HOLD)
        self.hold(reason, announced, duration)
        self.agent(after)

    def _english(self, violation: bool) -> None:
        self.agent(GREETINGS[self.rng.randrange(len(GREETINGS))])
        self.customer(ENGLISH_QUESTION)
        if violation:
            self.agent(ENGLISH_REPLY)
            self.customer(NOTHING_ELSE)
            self.agent(CLOSING)
        else:
            self.transfer("english_desk", ENGLISH_TRANSFER, between(self.rng, 3000, 5000))

    def _finish(self, rule: str, violation: bool) -> None:
        rng = self.rng
        if rule == "hotline.transfer_pause":
            pause = TRANSFER_PAUSE_MS - (between(rng, 1, 1999) if violation else 0)
            self.transfer(TRANSFER_TARGETS[rng.randrange(3)], TRANSFER_PHRASE, pause)
        elif rule != "hotline.english_desk":
            if not rule and rng.random() < 0.1:
                target = TRANSFER_TARGETS[rng.randrange(3)]
                self.transfer(target, TRANSFER_PHRASE, between(rng, 3000, 5000))
            else:
                self.agent(ANYTHING_ELSE)
                self.customer(NOTHING_ELSE)
                closing = CLOSING
                if rule == "hotline.closing":
                    closing = BAD_CLOSING if violation else MIN_CLOSING
                self.agent(closing)
        end = self.t + between(rng, 1500, 4000)
        if rule != "hotline.evaluation_invite" or not violation:
            self.event(end - 1000, "hotline.evaluation.invited")
        ended_by = "system" if self.transferred else "agent"
        self.event(end, "hotline.call.ended", f'{{"ended_by":"{ended_by}"}}')
        if rng.random() < 0.3:
            at = end + between(rng, 30, 120) * SECOND_MS
            if self.live:
                satisfied = self.ratios.answer(
                    self.group, "hotline.satisfaction", self.center, local_month(at)
                )
                self.event(at, "hotline.call.survey", f'{{"satisfied":{_b(satisfied)}}}')


def _b(value: bool) -> str:
    return "true" if value else "false"
