"""Hand-off replies through the hand-off service (→ outbox), and the dashboard's figures."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from bot.admin.queries import log_question
from bot.handoff.models import HandoffRequest, OutboxMessage
from knowledge_base import repository
from knowledge_base.responder import Outcome
from tests.admin.helpers import Panel, build_app, form_fields, open_request, submit
from tests.support.server import serve_app


def outbox(panel: Panel, channel: str) -> list[OutboxMessage]:
    with panel.sessions() as db:
        return db.query(OutboxMessage).filter_by(channel=channel).order_by(OutboxMessage.id).all()


def test_coordinator_sees_the_request_and_replies_through_the_outbox(panel: Panel) -> None:
    number = open_request(panel)
    client = panel.login("kuba")
    listing = client.get("/admin/handoff").text
    assert "Z-0001" in listing
    assert "Czy fundacja z Bydgoszczy może złożyć wniosek?" in listing
    detail = client.get(f"/admin/handoff/{number}").text
    assert "Nie znalazłem odpowiedzi…" in detail
    assert "anna@example.org" in detail

    taken = submit(
        client, f"/admin/handoff/{number}/take", {}, form_page=f"/admin/handoff/{number}"
    )
    assert taken.headers["location"] == f"/admin/handoff/{number}?ok=taken"
    page = client.get(f"/admin/handoff/{number}").text
    fields = form_fields(page, f"/admin/handoff/{number}/reply")
    fields["text"] = "Tak — jeśli projekt dotyczy mieszkańców Torunia. <b>Pozdrawiam</b>"
    replied = client.post(f"/admin/handoff/{number}/reply", data=fields)
    assert replied.headers["location"] == f"/admin/handoff/{number}?ok=replied"

    sent = outbox(panel, "web")
    assert len(sent) == 1
    assert sent[0].recipient == "sesja-testowa-1"
    assert "jeśli projekt dotyczy mieszkańców Torunia" in sent[0].payload["text"]
    with panel.sessions() as db:
        request = db.get(HandoffRequest, number)
        assert request is not None
        assert request.status == "answered"
        assert request.taken_by == "Kuba Testowa"
        assert request.messages[-1].author == "Kuba Testowa"
    page = client.get(f"/admin/handoff/{number}").text
    assert "&lt;b&gt;Pozdrawiam&lt;/b&gt;" in page

    closed = submit(
        client, f"/admin/handoff/{number}/close", {}, form_page=f"/admin/handoff/{number}"
    )
    assert closed.headers["location"] == f"/admin/handoff/{number}?ok=closed"
    assert len(outbox(panel, "web")) == 2
    assert "Z-0001" in client.get("/admin/handoff?status=closed").text
    assert "Z-0001" not in client.get("/admin/handoff?status=open").text
    late = submit(
        client,
        f"/admin/handoff/{number}/reply",
        {"text": "Jeszcze jedno"},
        form_page="/admin/handoff",
    )
    assert late.status_code == 409
    assert "zamknięte" in late.text


def test_empty_reply_is_refused(panel: Panel) -> None:
    number = open_request(panel)
    client = panel.login("kuba")
    response = submit(
        client, f"/admin/handoff/{number}/reply", {"text": "   "}, form_page="/admin/handoff"
    )
    assert response.status_code == 422
    assert "Wpisz treść odpowiedzi." in response.text
    assert outbox(panel, "web") == []


def test_unknown_request_is_404(panel: Panel) -> None:
    client = panel.login("kuba")
    assert client.get("/admin/handoff/999").status_code == 404


def test_without_handoff_and_search_the_pages_say_so(panel: Panel) -> None:
    app = build_app(panel.sessions, None, panel.clock, None)
    with serve_app(app) as base_url, httpx.Client(base_url=base_url) as client:
        token = client.get("/admin/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/admin/login",
            data={"login": "root", "password": "dobre-haslo-123", "csrf_token": token},
        )
        assert (
            "Moduł przekazywania rozmów koordynatorowi jest wyłączony"
            in client.get("/admin/handoff").text
        )
        assert "sprawdzanie pytań jest chwilowo niedostępne" in client.get("/admin/check?q=x").text


def test_dashboard_counts_and_charts(panel: Panel) -> None:
    now = panel.clock()
    with panel.sessions.begin() as db:
        for day, outcome, topic in [
            (0, "answered", "kontakt"),
            (0, "answered", "kontakt"),
            (1, "dont_know", None),
            (2, "suggested", "nabor"),
            (3, "unknown", "terminy"),
            (40, "answered", "kontakt"),
        ]:
            log_question(
                db,
                sender_hash="abc",
                outcome=outcome,
                entry_id=None,
                topic=topic,
                at=now - timedelta(days=day),
            )
        repository.add_feedback(db, sender_hash="abc", entry_id="lgd-kontakt", useful=False)
        repository.add_feedback(db, sender_hash="abd", entry_id="lgd-kontakt", useful=True)
    open_request(panel)
    client = panel.login("ala")
    html = client.get("/admin/").text
    assert "<strong>5</strong> pytań w 30 dni" in html
    assert html.count('<svg class="chart') == 4
    assert "Odpowiedział</span>: <strong>2</strong> (40%)" in html
    assert "Nie wiedział</span>: <strong>1</strong> (20%)" in html
    assert "Przekazano koordynatorowi: <strong>1</strong> sprawę (20% pytań)" in html
    assert "Kontakt" in html
    assert "lgd-kontakt</a> — 1 × nieprzydatne" in html
    assert "<script" not in html


def test_log_question_takes_the_responder_outcomes(panel: Panel) -> None:
    with panel.sessions.begin() as db:
        for outcome in Outcome:
            log_question(
                db, sender_hash="x", outcome=outcome, entry_id=None, topic=None, at=panel.clock()
            )
        with pytest.raises(ValueError, match="nonsense"):
            log_question(
                db, sender_hash="x", outcome="nonsense", entry_id=None, topic=None, at=panel.clock()
            )
    html = panel.login().get("/admin/").text
    assert f"<strong>{len(Outcome)}</strong> pytań w 30 dni" in html
