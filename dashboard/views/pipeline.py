"""Pipeline health: events per second, consumer lag and clock per partition (the worker's and
the sink's /metrics), dead letters with their reasons and samples. Deep link: `?reason=late`."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard import humanize
from dashboard.connection import client
from dashboard.data import pipeline
from dashboard.downloads import download_buttons
from dashboard.i18n import current_language, t
from dashboard.localtime import freshness, shown
from dashboard.scope import Scope
from dashboard.session import viewer

ALL = ""


@st.cache_data(ttl=5, show_spinner=False)
def _scrape(url: str) -> pipeline.Scrape:
    return pipeline.scrape(url)


@st.cache_data(ttl=10, show_spinner=False)
def _rate(provinces: frozenset[str] | None, minute: datetime) -> pipeline.Rate:
    return pipeline.event_rate(client(), Scope(provinces), now=minute)


@st.cache_data(ttl=10, show_spinner=False)
def _letters(
    provinces: frozenset[str] | None, reason: str | None
) -> tuple[list[pipeline.ReasonCount], list[pipeline.Letter]]:
    scope, ch = Scope(provinces), client()
    return pipeline.letter_reasons(ch, scope), pipeline.letter_samples(ch, scope, reason=reason)


def _count(value: float | None) -> str:
    return humanize.missing(lang) if value is None else f"{value:,.0f}"


def _mark(seconds: float | None) -> str:
    if seconds is None or seconds <= 0:
        return humanize.missing(lang)
    moment = datetime.fromtimestamp(seconds, UTC)
    behind = humanize.duration((now - moment).total_seconds(), lang)
    return t("ops.pipeline.mark", when=shown(moment, lang, seconds=True), behind=behind)


lang = current_language()
who = viewer()
scope = who.scope
ch = client()
now = datetime.now(UTC)
st.title(t("page.pipeline"))
st.caption(freshness(pipeline.latest_event(ch, scope), lang))

st.subheader(t("ops.pipeline.events"))
rate = _rate(scope.provinces, now.replace(second=0, microsecond=0))
st.metric(t("ops.pipeline.per_second"), f"{rate.per_second:,.2f}")
if scope.provinces is not None:
    st.caption(t("ops.pipeline.events_scoped", provinces=", ".join(sorted(scope.provinces))))
if rate.per_minute:
    st.bar_chart(
        {
            t("ops.pipeline.minute"): [shown(m, lang) for m, _ in rate.per_minute],
            t("ops.pipeline.received"): [n for _, n in rate.per_minute],
        },
        x=t("ops.pipeline.minute"),
        y=t("ops.pipeline.received"),
    )

st.subheader(t("ops.pipeline.partitions"))
worker = _scrape(pipeline.metrics_url("worker"))
sink = _scrape(pipeline.metrics_url("sink"))
for name, scraped in ((t("ops.pipeline.worker"), worker), (t("ops.pipeline.sink"), sink)):
    if scraped.error is not None:
        st.warning(t("ops.pipeline.unreachable", process=name, url=scraped.url, why=scraped.error))
rows = pipeline.partitions(worker, sink)
if rows:
    pipeline_partitions_rows = [
        {
            t("ops.pipeline.topic"): r.topic,
            t("ops.pipeline.partition"): r.partition,
            t("ops.pipeline.worker_lag"): _count(r.worker_lag),
            t("ops.pipeline.partition_mark"): _mark(r.mark),
            t("ops.pipeline.sink_lag"): _count(r.sink_lag),
        }
        for r in rows
    ]
    st.dataframe(
        pipeline_partitions_rows,
        hide_index=True,
        width="stretch",
    )
    download_buttons(pipeline_partitions_rows, name="pipeline-partitions")
elif worker.error is None or sink.error is None:
    st.info(t("ops.pipeline.no_partitions"))
shards = pipeline.shard_clocks(worker)
if shards:
    pipeline_shards_rows = [
        {t("ops.pipeline.shard"): shard, t("ops.pipeline.shard_clock"): _mark(clock)}
        for shard, clock in shards
    ]
    st.dataframe(
        pipeline_shards_rows,
        hide_index=True,
    )
    download_buttons(pipeline_shards_rows, name="pipeline-shards")

st.subheader(t("ops.pipeline.letters"))
if scope.provinces is not None:
    st.caption(t("ops.pipeline.letters_scoped", provinces=", ".join(sorted(scope.provinces))))
reasons = _letters(scope.provinces, None)[0]
if not reasons:
    st.info(t("ops.pipeline.no_letters"))
    st.stop()
st.caption(freshness(pipeline.latest_letter(ch, scope), lang))
dead_letter_reasons_rows = [
    {
        t("ops.pipeline.reason"): r.reason,
        t("ops.pipeline.letter_count"): r.letters,
        t("ops.pipeline.latest"): shown(r.latest, lang, seconds=True),
    }
    for r in reasons
]
st.dataframe(
    dead_letter_reasons_rows,
    hide_index=True,
)
download_buttons(dead_letter_reasons_rows, name="dead-letter-reasons")
choices = [ALL, *(r.reason for r in reasons)]
asked = st.query_params.get("reason", ALL)
reason = st.selectbox(
    t("ops.pipeline.reason"),
    choices,
    index=choices.index(asked) if asked in choices else 0,
    format_func=lambda r: r or t("ops.pipeline.all_reasons"),
)
if reason:
    st.query_params["reason"] = reason
elif "reason" in st.query_params:
    del st.query_params["reason"]
samples = _letters(scope.provinces, reason or None)[1]
dead_letters_rows = [
    {
        t("ops.pipeline.received_at"): shown(s.received_at, lang, seconds=True),
        t("ops.pipeline.topic"): s.topic,
        t("ops.pipeline.partition"): s.partition,
        t("ops.pipeline.offset"): s.offset,
        t("common.province"): s.province or humanize.missing(lang),
        t("ops.pipeline.reason"): s.reason,
        t("ops.pipeline.raw"): s.raw,
    }
    for s in samples
]
st.dataframe(
    dead_letters_rows,
    hide_index=True,
    width="stretch",
)
download_buttons(dead_letters_rows, name="dead-letters")
