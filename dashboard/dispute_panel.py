"""A violation's disputes on its page: history, status, and the steps the viewer may take.

Steps go through `dashboard.dispute_commands` (checked on the server's data, then
published); a step sent from this session is kept in `st.session_state` as pending
until the projector has stored it, and the page polls for it meanwhile.
"""

from __future__ import annotations

import streamlit as st
from kafka import KafkaProducer

from dashboard.connection import client
from dashboard.data.disputes import landed
from dashboard.data.violations import ViolationRow
from dashboard.dispute_commands import dispute_producer, take
from dashboard.dispute_rules import DisputeAction, DisputeEvent, DisputeRefused, Target, fold
from dashboard.dispute_rules import allowed_actions as allowed
from dashboard.downloads import download_buttons
from dashboard.evidence import moment
from dashboard.i18n import t
from dashboard.session import viewer
from events.settings import load_settings

PENDING_KEY = "evidence.pending"


@st.cache_resource
def producer() -> KafkaProducer:
    return dispute_producer(load_settings().kafka_bootstrap)


def _pending() -> list[DisputeEvent]:
    found: list[DisputeEvent] = st.session_state.setdefault(PENDING_KEY, [])
    return found


def dispute_panel(row: ViolationRow, stored: list[DisputeEvent], lang: str) -> None:
    """The dispute history (stored and pending steps), the status, and the allowed steps."""
    st.markdown(f"#### {t('evidence.disputes')}")
    stored_ids = {e.event_id for e in stored}
    st.session_state[PENDING_KEY] = [e for e in _pending() if e.event_id not in stored_ids]
    waiting = [e for e in _pending() if e.violation_id == row.violation_id]
    history = [*stored, *waiting]
    if history:
        history_rows = [
            {
                t("evidence.col.time"): moment(e.at, lang),
                t("evidence.col.action"): t(f"evidence.dispute.{e.action.value}")
                + ("" if e in stored else f" ({t('evidence.pending_row')})"),
                t("evidence.col.actor"): e.actor,
                t("evidence.col.role"): t(f"evidence.role.{e.role.value}"),
                t("evidence.col.reason"): e.reason or t("common.missing"),
            }
            for e in history
        ]
        st.dataframe(history_rows, width="stretch", hide_index=True, key="evidence.disputes")
        download_buttons(history_rows, name="dispute-history")
    else:
        st.caption(t("evidence.no_disputes"))
    state = fold(history)
    st.caption(t(f"evidence.dispute_status.{state.status.value}"))
    if waiting:
        st.info(t("evidence.pending"))
        _poll()
        return
    actions = allowed(viewer(), Target(row.province, row.retracted, state))
    if DisputeAction.FILED in actions:
        with st.form("evidence.file"):
            st.markdown(f"**{t('evidence.file.title')}**")
            reason = st.text_area(t("evidence.file.reason"), key="evidence.file.reason")
            if st.form_submit_button(t("evidence.file.submit"), key="evidence.file.submit"):
                _step(row, DisputeAction.FILED, reason)
    if DisputeAction.ACCEPTED in actions:
        with st.form("evidence.decide"):
            st.markdown(f"**{t('evidence.decide.title')}**")
            note = st.text_area(t("evidence.decide.reason"), key="evidence.decide.reason")
            accept, reject = st.columns(2)
            if accept.form_submit_button(t("evidence.decide.accept"), key="evidence.decide.accept"):
                _step(row, DisputeAction.ACCEPTED, note)
            if reject.form_submit_button(t("evidence.decide.reject"), key="evidence.decide.reject"):
                _step(row, DisputeAction.REJECTED, note)


def _step(row: ViolationRow, action: DisputeAction, reason: str) -> None:
    try:
        event = take(
            client(), producer(), viewer(), row.violation_id, action, reason, pending=_pending()
        )
    except DisputeRefused as refused:
        st.error(t(refused.key))
        return
    except Exception as failed:
        st.error(t("evidence.send_failed", error=type(failed).__name__))
        return
    st.session_state[PENDING_KEY] = [*_pending(), event]
    st.rerun()


@st.fragment(run_every=1.0)
def _poll() -> None:
    """Reruns the page once the projector has stored every pending step."""
    waiting = [e.event_id for e in _pending()]
    if waiting and landed(client(), waiting) >= set(waiting):
        st.rerun(scope="app")
