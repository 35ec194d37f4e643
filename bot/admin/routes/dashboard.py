"""The dashboard: what applicants asked in the last 30 days and how the assistant coped."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from bot.admin import charts, queries
from bot.admin.labels import OUTCOMES, topic_label
from bot.admin.panel import ANY_ROLE, PREFIX, AdminContext, Staff

SERIES = ("answered", "unknown", "suggested", "dont_know", "not_understood", "handoff")


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    @router.get(f"{PREFIX}/", include_in_schema=False)
    def dashboard(
        request: Request, staff: Annotated[Staff, Depends(ctx.require(*ANY_ROLE))]
    ) -> Response:
        now = ctx.now()
        with ctx.session_factory() as db:
            since = now - timedelta(days=queries.DASHBOARD_DAYS + 1)
            data = queries.dashboard(
                db, now=now, tz=ctx.tz, handoff_times=queries.handoff_times(db, since=since)
            )
            handoffs = queries.handoff_counts(db)
        outcome_parts = [
            (name, OUTCOMES[name].capitalize(), data.outcomes[name]) for name in SERIES[:-1]
        ]
        feedback_parts = [
            ("useful", "Przydatne", data.useful),
            ("not-useful", "Nieprzydatne", data.not_useful),
        ]
        return ctx.render(
            request,
            "dashboard.html",
            staff=staff,
            data=data,
            series=[(name, OUTCOMES[name]) for name in SERIES],
            handoffs=handoffs,
            daily=charts.daily_bars(
                "Pytania dziennie w ostatnich 30 dniach", data.days, data.per_day, SERIES
            ),
            shares=charts.share_bar("Jak asystent odpowiadał (30 dni)", outcome_parts),
            share_legend=charts.shares(outcome_parts),
            feedback_legend=charts.shares(feedback_parts),
            topics=charts.horizontal_bars(
                "Najczęstsze tematy pytań (30 dni)",
                [(topic_label(topic), count) for topic, count in data.topics],
            ),
            feedback=charts.share_bar("Oceny odpowiedzi (30 dni)", feedback_parts),
            topic_label=topic_label,
            handoff_share=f"{100 * data.handoffs / data.total:.0f}%" if data.total else "—",
        )
