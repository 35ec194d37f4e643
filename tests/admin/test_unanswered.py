"""Unanswered questions: grouped by similarity, newest first, one click to a new FAQ entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.admin.clustering import Question, group_questions
from bot.admin.models import UnansweredHandled
from knowledge_base.models import UnansweredQuestion
from knowledge_base.service import normalise_question
from tests.admin.helpers import NEW_FAQ_FIELDS, QUESTIONS, Panel, add_questions, form_fields


def test_grouping_is_greedy_newest_first() -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    questions = [
        Question(i, text, normalise_question(text), reason, f"s{i}", base + timedelta(hours=i))
        for i, (text, reason) in enumerate(QUESTIONS)
    ]
    groups = group_questions(questions)
    assert [g.count for g in groups] == [1, 1, 3]
    assert groups[0].representative.text.startswith("Czy spółdzielnia")
    bydgoszcz = groups[2]
    assert bydgoszcz.representative.id == 2
    assert dict(bydgoszcz.reasons) == {"dont_know": 2, "unhelpful": 1}
    assert bydgoszcz.senders == 3


def test_page_shows_groups_with_counts(panel: Panel) -> None:
    add_questions(panel.sessions)
    client = panel.login()
    html = client.get("/admin/unanswered").text
    assert "<strong>5</strong> pytań w <strong>3</strong> grupach" in html
    assert (
        html.index("spółdzielnia socjalna") < html.index("wynajem sali") < html.index("Bydgoszczy")
    )
    assert "<strong>3</strong> ×" in html
    assert "nie wiedział: 2" in html


def test_create_entry_from_a_group(panel: Panel) -> None:
    ids = add_questions(panel.sessions)
    client = panel.login()
    group = ",".join(str(i) for i in reversed(ids[:3]))
    page = client.get(f"/admin/faq/new?from={group}").text
    fields = form_fields(page, "/admin/faq/new")
    assert fields["question"] == "Fundacja z Bydgoszczy — może złożyć wniosek?"
    assert "czy fundacja z bydgoszczy moze zlozyc wniosek" in fields["phrasings"]
    assert fields["from_ids"] == group
    fields.update(NEW_FAQ_FIELDS)
    fields["phrasings"] += "\nfundacja spoza torunia\norganizacja z innego miasta"
    response = client.post("/admin/faq/new", data=fields)
    assert response.status_code == 303, response.text
    html = client.get("/admin/unanswered").text
    assert "Bydgoszczy" not in html
    assert "<strong>2</strong> pytań w <strong>2</strong> grupach" in html
    with panel.sessions() as db:
        handled = db.query(UnansweredHandled).all()
        assert {h.unanswered_id for h in handled} == set(ids[:3])
        assert {h.entry_id for h in handled} == {"fundacja-z-bydgoszczy-moze-zlozyc-wniosek"}


def test_mark_handled(panel: Panel) -> None:
    ids = add_questions(panel.sessions)
    client = panel.login()
    page = client.get("/admin/unanswered").text
    fields = form_fields(page, "/admin/unanswered/handled")
    assert fields["ids"] == str(ids[4])
    response = client.post("/admin/unanswered/handled", data=fields)
    assert response.headers["location"] == "/admin/unanswered?ok=handled"
    assert "spółdzielnia socjalna" not in client.get("/admin/unanswered").text
    with panel.sessions() as db:
        assert db.query(UnansweredQuestion).count() == 5  # the record stays; only the to-do changes
