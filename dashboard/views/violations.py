"""Violation explorer: filter and page through violations, open one to its evidence and disputes.

Every filter and the open violation live in the URL (`?province=GD&status=open`,
`?violation=ID`), so a view can be shared. Rows come from `dashboard.data.violations`,
confined to the viewer's provinces there; the disputes part of a violation's page is
`dashboard.dispute_panel`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import streamlit as st

from dashboard.clauses import clause_text, references
from dashboard.connection import client
from dashboard.data.disputes import dispute_history
from dashboard.data.violations import (
    EXACT_BELOW,
    Cursor,
    FilterOptions,
    Page,
    Status,
    ViolationFilter,
    ViolationRow,
    count_violations,
    evidence_events,
    filter_options,
    find_violations,
    violation,
)
from dashboard.dispute_panel import dispute_panel
from dashboard.downloads import download_buttons
from dashboard.evidence import moment, rule_description, timeline_rows
from dashboard.freshness import latest_insert
from dashboard.humanize import measured
from dashboard.i18n import current_language, t
from dashboard.scope import Scope
from dashboard.session import viewer
from events.topics import CHANNELS
from standards.catalog import catalog_ids

SEVERITIES = ("critical", "major", "minor")
CURSORS_KEY = "evidence.cursors"
# URL parameters holding text; `from`/`to` hold days and `violation` the open one.
TEXT_PARAMS = ("province", "unit", "channel", "rule", "severity", "status", "version", "q")


@st.cache_data(ttl=60, show_spinner=False)
def options(scope: Scope) -> FilterOptions:
    return filter_options(client(), scope)


@st.cache_data(ttl=10, show_spinner=False)
def counted(scope: Scope, chosen: ViolationFilter) -> int:
    return count_violations(client(), scope, chosen)


@st.cache_data(ttl=10, show_spinner=False)
def page_of(scope: Scope, chosen: ViolationFilter, after: Cursor | None) -> Page:
    return find_violations(client(), scope, chosen, after=after)


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _seed(key: str, value: object) -> None:
    """A widget starts from the URL when the page opens (later, the widget leads)."""
    if key not in st.session_state:
        st.session_state[key] = value


def _choice(param: str, allowed_values: list[str]) -> str:
    raw = st.query_params.get(param, "")
    return raw if raw in allowed_values else ""


def _label(prefix: str) -> Callable[[str], str]:
    return lambda value: t("evidence.all") if not value else t(f"{prefix}.{value}")


@dataclass(frozen=True)
class _Filters:
    chosen: ViolationFilter
    params: dict[str, str]


def filters(found: FilterOptions) -> _Filters:
    """The filter widgets, started from the URL, and the URL rewritten from them."""
    rules = sorted(catalog_ids())
    lists: dict[str, list[str]] = {
        "province": ["", *found.provinces],
        "channel": ["", *CHANNELS],
        "rule": ["", *rules],
        "severity": ["", *SEVERITIES],
        "status": ["", *(s.value for s in Status)],
        "version": ["", *found.versions],
    }
    for name, values in lists.items():
        _seed(f"f.{name}", _choice(name, values))
    _seed("f.unit", st.query_params.get("unit", ""))
    _seed("f.q", st.query_params.get("q", ""))
    _seed("f.from", _day(st.query_params.get("from")))
    _seed("f.to", _day(st.query_params.get("to")))
    with st.expander(t("evidence.filters"), expanded=True):
        first, second, third, fourth = st.columns(4)
        first.date_input(t("evidence.from"), key="f.from", format="YYYY-MM-DD")
        second.date_input(t("evidence.to"), key="f.to", format="YYYY-MM-DD")
        third.selectbox(
            t("common.province"), lists["province"], key="f.province", format_func=_all_or_same
        )
        fourth.text_input(t("common.unit"), key="f.unit")
        first.selectbox(
            t("common.channel"),
            lists["channel"],
            key="f.channel",
            format_func=_label("evidence.channel"),
        )
        second.selectbox(t("common.rule"), lists["rule"], key="f.rule", format_func=_all_or_same)
        third.selectbox(
            t("common.severity"),
            lists["severity"],
            key="f.severity",
            format_func=_label("evidence.severity"),
        )
        fourth.selectbox(
            t("evidence.status"),
            lists["status"],
            key="f.status",
            format_func=_label("evidence.status"),
        )
        first.selectbox(
            t("evidence.version"), lists["version"], key="f.version", format_func=_all_or_same
        )
        st.text_input(t("evidence.search"), key="f.q")
    state = st.session_state
    start, end = state["f.from"], state["f.to"]
    chosen = ViolationFilter(
        start=start,
        end=end,
        province=state["f.province"] or None,
        unit=state["f.unit"].strip() or None,
        channel=state["f.channel"] or None,
        rule=state["f.rule"] or None,
        severity=state["f.severity"] or None,
        status=Status(state["f.status"]) if state["f.status"] else None,
        version=state["f.version"] or None,
        text=state["f.q"].strip() or None,
    )
    params = {name: str(state[f"f.{name}"]).strip() for name in TEXT_PARAMS}
    params["from"] = start.isoformat() if start else ""
    params["to"] = end.isoformat() if end else ""
    return _Filters(chosen, {k: v for k, v in params.items() if v})


def _all_or_same(value: str) -> str:
    return value or t("evidence.all")


def _write_url(params: dict[str, str]) -> None:
    """The URL says exactly what is shown (other parameters, like the language, stay)."""
    for name in (*TEXT_PARAMS, "from", "to"):
        if name in params:
            if st.query_params.get(name) != params[name]:
                st.query_params[name] = params[name]
        elif name in st.query_params:
            del st.query_params[name]


def _open(violation_id: str) -> None:
    st.query_params["violation"] = violation_id


def _close() -> None:
    del st.query_params["violation"]


def _table_rows(rows: list[ViolationRow], lang: str) -> list[dict[str, str]]:
    return [
        {
            t("evidence.col.detected_at"): moment(r.detected_at, lang),
            t("common.province"): r.province,
            t("common.unit"): r.unit,
            t("common.rule"): r.rule,
            t("common.severity"): t(f"evidence.severity.{r.severity}"),
            t("evidence.status"): t(f"evidence.status.{r.status.value}"),
            t("evidence.col.subject"): r.subject,
            t("evidence.col.measured"): measured(r.measured, r.measure, lang),
            t("evidence.col.limit"): measured(r.limit, r.measure, lang),
            t("evidence.col.message"): r.message_zh if lang == "zh" else r.message_en,
            t("evidence.col.id"): r.violation_id,
        }
        for r in rows
    ]


def explorer(scope: Scope, lang: str) -> None:
    shown = filters(options(scope))
    _write_url(shown.params)
    signature = repr(shown.chosen)
    cursors: list[Cursor | None] = st.session_state.get(CURSORS_KEY, {}).get(signature, [None])
    st.session_state[CURSORS_KEY] = {signature: cursors}
    page = page_of(scope, shown.chosen, cursors[-1])
    total = counted(scope, shown.chosen)
    counted_as = "evidence.count" if total < EXACT_BELOW else "evidence.count_about"
    st.caption(t(counted_as, n=f"{total:,}") + " · " + t("evidence.page", page=len(cursors)))
    if not page.rows:
        st.info(t("evidence.none"))
        return
    st.caption(t("evidence.select_hint"))
    violations_rows = _table_rows(page.rows, lang)
    table = st.dataframe(
        violations_rows,
        width="stretch",
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="evidence.table",
    )
    download_buttons(violations_rows, name="violations")
    picked = table.selection.rows if table is not None else []
    if picked:
        _open(page.rows[picked[0]].violation_id)
        st.rerun()
    previous, following, _ = st.columns([1, 1, 6])
    if previous.button(t("evidence.prev"), disabled=len(cursors) == 1, key="evidence.prev"):
        st.session_state[CURSORS_KEY] = {signature: cursors[:-1]}
        st.rerun()
    if following.button(t("evidence.next"), disabled=page.next is None, key="evidence.next"):
        st.session_state[CURSORS_KEY] = {signature: [*cursors, page.next]}
        st.rerun()
    by_id = {r.violation_id: r for r in page.rows}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    chosen_id = left.selectbox(
        t("evidence.open"),
        list(by_id),
        format_func=lambda i: (
            f"{moment(by_id[i].detected_at, lang)} · {by_id[i].rule} · {by_id[i].subject} · {i}"
        ),
        key="evidence.pick",
    )
    if right.button(t("evidence.open_button"), key="evidence.open_button"):
        _open(chosen_id)
        st.rerun()


def detail(scope: Scope, violation_id: str, lang: str) -> None:
    if st.button(t("evidence.back"), key="evidence.back"):
        _close()
        st.rerun()
    ch = client()
    # The history is read first: a step stored between the two reads then shows as
    # pending (and the page polls) instead of leaving a stale status on screen.
    stored = dispute_history(ch, scope, violation_id)
    row = violation(ch, scope, violation_id)
    if row is None:
        st.warning(t("evidence.not_found"))
        return
    title = rule_description(row.standard, row.version, row.rule, lang) or row.rule
    st.subheader(f"{title}")
    st.caption(
        t("evidence.where", province=row.province, unit=row.unit, subject=row.subject)
        + " · "
        + t("evidence.detected", when=moment(row.detected_at, lang))
        + f" · {t('evidence.version')} {row.standard}@{row.version} · {row.violation_id}"
    )
    if row.status is Status.VOIDED:
        st.warning(t("evidence.voided_note"))
    elif row.status is Status.RETRACTED:
        st.info(t("evidence.retracted_note"))
    cells = st.columns(4)
    cells[0].metric(t("evidence.status"), t(f"evidence.status.{row.status.value}"))
    cells[1].metric(t("evidence.measured"), measured(row.measured, row.measure, lang))
    cells[2].metric(t("evidence.limit"), measured(row.limit, row.measure, lang))
    cells[3].metric(t("common.severity"), t(f"evidence.severity.{row.severity}"))
    st.markdown(row.message_zh if lang == "zh" else row.message_en)
    _rule_and_clause(row, lang)
    _timeline(scope, row, lang)
    dispute_panel(row, stored, lang)


def _rule_and_clause(row: ViolationRow, lang: str) -> None:
    st.markdown(f"**{t('evidence.rule')}** · `{row.rule}` · {row.clause}")
    st.markdown(f"**{t('evidence.clause_text')}**")
    for reference in references(row.clause):
        quoted = clause_text(reference, lang)
        st.markdown(f"> **{reference}** {quoted or t('evidence.clause_missing')}")


def _timeline(scope: Scope, row: ViolationRow, lang: str) -> None:
    st.markdown(f"#### {t('evidence.timeline')}")
    events = evidence_events(client(), scope, row)
    rows = timeline_rows(events, lang)
    if rows:
        evidence_timeline_rows = [
            {
                t("evidence.col.time"): r["time"],
                t("evidence.col.offset"): r["offset"],
                t("evidence.col.type"): r["type"],
                t("evidence.col.subject"): r["subject"],
                t("evidence.col.details"): r["details"],
                t("evidence.col.id"): r["id"],
            }
            for r in rows
        ]
        st.dataframe(
            evidence_timeline_rows,
            width="stretch",
            hide_index=True,
            key="evidence.timeline",
        )
        download_buttons(evidence_timeline_rows, name="evidence-timeline")
    absent = sorted(set(row.evidence) - {e.id for e in events})
    if absent:
        st.caption(t("evidence.timeline_missing", n=len(absent), ids=", ".join(absent)))


st.title(t("page.violations"))
lang = current_language()
scope = viewer().scope
latest = latest_insert(client(), "violations")
st.caption(
    t("common.fresh_as_of", when=moment(latest, lang)) if latest else t("common.fresh_never")
)
opened = st.query_params.get("violation")
if opened:
    detail(scope, opened, lang)
else:
    explorer(scope, lang)
