"""Standards: the versions with their effective dates, lock and publication, what each found,
the diff between two chosen versions, and the catalog's coverage. Deep link: `?a=…&b=…`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st
from pydantic import TypeAdapter, ValidationError

from dashboard import humanize
from dashboard.connection import client
from dashboard.data import standards as data
from dashboard.downloads import download_buttons
from dashboard.i18n import current_language, t
from dashboard.localtime import shown
from dashboard.scope import Scope
from dashboard.session import viewer
from events.settings import load_settings
from standards.diff import ABSENT, Change
from standards.model import Standard

DURATION = TypeAdapter(timedelta)


@st.cache_data(ttl=60, show_spinner=False)
def _published() -> data.Published:
    return data.read_published(load_settings().kafka_bootstrap)


@st.cache_data(ttl=60, show_spinner=False)
def _in_use(provinces: frozenset[str] | None) -> list[data.InUse]:
    return data.in_use(client(), Scope(provinces))


def _title(standard: Standard, rule_id: str | None) -> str:
    rule = next((r for r in standard.rules if r.id == rule_id), None)
    if rule is None:
        return rule_id or t("ops.standards.version_wide")
    return f"{rule_id} · {rule.description.zh if lang == 'zh' else rule.description.en}"


def _publication(version: data.Version) -> str:
    if version.published is None:
        return t("ops.standards.not_published")
    if version.published != version.digest:
        return t("ops.standards.published_differs")
    return t("ops.standards.published")


def _change(change: Change, old: Standard, new: Standard) -> dict[str, str]:
    side = new if change.kind == "added" else old
    return {
        t("ops.standards.change"): t(f"ops.standards.change_{change.kind}"),
        t("common.rule"): _title(side, change.rule),
        t("ops.standards.setting"): change.path or humanize.missing(lang),
        t("ops.standards.before"): _value(change.before if change.kind == "changed" else None),
        t("ops.standards.after"): _value(change.after if change.kind == "changed" else None),
    }


def _value(value: object) -> str:
    """A setting as people read it: ISO 8601 durations (`PT48H`) humanized."""
    if value is None or value == ABSENT:
        return humanize.missing(lang)
    if isinstance(value, str) and value.startswith("P"):
        try:
            return humanize.duration(DURATION.validate_python(value).total_seconds(), lang)
        except ValidationError:
            return value
    return str(value)


lang = current_language()
scope = viewer().scope
st.title(t("page.standards"))
published = _published()
now = datetime.now(UTC)
st.caption(t("ops.standards.fresh", when=shown(now, lang)))
if published.error is not None:
    st.warning(t("ops.standards.topic_unreachable", why=published.error))
versions = data.versions(published)
in_force = [
    v
    for v in versions
    if v.standard.effective_from <= now
    and (v.standard.effective_to is None or now < v.standard.effective_to)
]
current = max(in_force, key=lambda v: v.standard.effective_from, default=None)
if current is not None:
    st.info(
        t(
            "ops.standards.in_force",
            key=current.key,
            since=shown(current.standard.effective_from, lang),
        )
    )

st.subheader(t("ops.standards.versions"))
standards_versions_rows = [
    {
        t("ops.standards.version"): v.key,
        t("ops.standards.title"): v.standard.title,
        t("ops.standards.effective_from"): shown(v.standard.effective_from, lang),
        t("ops.standards.effective_to"): shown(v.standard.effective_to, lang)
        if v.standard.effective_to is not None
        else t("ops.standards.open_ended"),
        t("ops.standards.rules"): len(v.standard.rules),
        t("ops.standards.owner"): v.standard.owner,
        t("ops.standards.installed"): t("ops.yes") if v.installed else t("ops.no"),
        t("ops.standards.locked"): t("ops.yes") if v.locked else t("ops.no"),
        t("ops.standards.publication"): _publication(v),
        t("ops.standards.note"): next(
            (c.note for c in v.standard.changelog if c.version == v.standard.version),
            humanize.missing(lang),
        ),
    }
    for v in versions
]
st.dataframe(
    standards_versions_rows,
    hide_index=True,
    width="stretch",
)
download_buttons(standards_versions_rows, name="standards-versions")
used = _in_use(scope.provinces)
if used:
    st.caption(t("ops.standards.in_stream"))
    standards_in_use_rows = [
        {
            t("ops.standards.version"): u.key,
            t("ops.standards.found"): f"{u.violations:,}",
            t("ops.standards.first"): shown(u.first, lang),
            t("ops.standards.last"): shown(u.last, lang),
        }
        for u in used
    ]
    st.dataframe(
        standards_in_use_rows,
        hide_index=True,
    )
    download_buttons(standards_in_use_rows, name="standards-in-use")

st.subheader(t("ops.standards.diff"))
keys = [v.key for v in versions]
if len(keys) < 2:
    st.info(t("ops.standards.one_version", key=keys[0] if keys else humanize.missing(lang)))
else:
    left, right = st.columns(2)
    asked_a, asked_b = st.query_params.get("a", ""), st.query_params.get("b", "")
    a = left.selectbox(
        t("ops.standards.from"),
        keys,
        index=keys.index(asked_a) if asked_a in keys else len(keys) - 2,
    )
    b = right.selectbox(
        t("ops.standards.to"), keys, index=keys.index(asked_b) if asked_b in keys else len(keys) - 1
    )
    st.query_params["a"], st.query_params["b"] = a, b
    old, new = versions[keys.index(a)].standard, versions[keys.index(b)].standard
    found = data.diff(old, new)
    if not found:
        st.info(t("ops.standards.same"))
    else:
        standards_diff_rows = [_change(c, old, new) for c in found]
        st.dataframe(standards_diff_rows, hide_index=True, width="stretch")
        download_buttons(standards_diff_rows, name="standards-diff")

st.subheader(t("ops.standards.coverage"))
rows = data.coverage()
covered = sum(r.covered for r in rows)
gaps = sum(r.gap for r in rows)
x, y, z = st.columns(3)
x.metric(t("ops.standards.catalog_rules"), len(rows))
y.metric(t("ops.standards.covered"), f"{covered} ({humanize.percent(covered / len(rows), lang)})")
z.metric(t("ops.standards.gaps"), gaps)
standards_coverage_rows = [
    {
        t("ops.standards.catalog_rule"): r.rule,
        t("ops.standards.rule_file"): r.rule_file or humanize.missing(lang),
        t("ops.standards.cases"): r.cases,
        t("ops.standards.violating"): r.violating,
        t("ops.standards.compliant"): r.compliant,
        t("ops.standards.status"): t(
            "ops.standards.status_ok"
            if r.covered
            else ("ops.standards.status_optional" if r.optional else "ops.standards.status_gap")
        ),
    }
    for r in rows
]
st.dataframe(
    standards_coverage_rows,
    hide_index=True,
    width="stretch",
)
download_buttons(standards_coverage_rows, name="standards-coverage")
