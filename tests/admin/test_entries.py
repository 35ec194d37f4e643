"""FAQ and guidance editing: validation next to fields, escaping, history, revert, live answers."""

from __future__ import annotations

import re

from knowledge_base import repository
from knowledge_base.models import ChangeLog, FaqEntry
from knowledge_base.repository import current_revision
from tests.admin.helpers import Panel, answer, edit, form_fields, submit

HOSTILE = "<script>alert(1)</script>"
NEW_FAQ = {
    "kind": "faq",
    "question": "Czy można złożyć dwa wnioski?",
    "answer": "Nie — jedna organizacja składa jeden wniosek.",
    "status": "answered",
    "phrasings": "dwa wnioski\nczy moge zlozyc 2 wnioski\nkilka wnioskow jedna organizacja",
    "keywords": "liczba wniosków, dwa wnioski",
    "topic": "nabor",
    "scope": "torun",
    "call": "",
    "source": "Regulamin konkursu, § 4",
    "info_date": "2023-05-09",
    "id": "",
    "from_ids": "",
}


def test_list_filters_ignore_case_and_diacritics(panel: Panel) -> None:
    client = panel.login()
    page = client.get("/admin/faq", params={"q": "KOORDYNATOREM"}).text
    assert "lgd-kontakt" in page
    assert "torun-nabor-numer" not in page
    assert "lgd-kontakt" in client.get("/admin/faq", params={"q": "skontaktowac"}).text
    unknown_only = client.get("/admin/faq", params={"status": "unknown"}).text
    assert "torun-nabor-termin" in unknown_only
    assert "lgd-kontakt" not in unknown_only
    assert "csv-vat" in client.get("/admin/faq", params={"topic": "koszty"}).text


def test_create_entry_with_generated_id_is_live_at_once(panel: Panel) -> None:
    client = panel.login()
    revision = panel.knowledge.revision()
    response = submit(client, "/admin/faq/new", NEW_FAQ, form_page="/admin/faq/new")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/faq/czy-mozna-zlozyc-dwa-wnioski?ok=created"
    assert panel.knowledge.revision() > revision
    assert "jedna organizacja składa jeden wniosek" in answer(panel, "czy moge zlozyc 2 wnioski")
    with panel.sessions() as db:
        row = repository.get_faq(db, entry_id="czy-mozna-zlozyc-dwa-wnioski")
        assert row is not None
        assert row.keywords == ["liczba wniosków", "dwa wnioski"]
        assert row.updated_by == "panel:ala"


def test_missing_source_and_date_and_phrasings_are_explained_next_to_fields(panel: Panel) -> None:
    client = panel.login()
    bad = {**NEW_FAQ, "source": "  ", "info_date": "", "phrasings": "tylko jedno", "topic": ""}
    response = submit(client, "/admin/faq/new", bad, form_page="/admin/faq/new")
    assert response.status_code == 422
    html = response.text
    assert 'id="error-source"' in html
    assert "Podaj źródło informacji" in html
    assert 'id="error-info_date"' in html
    assert "Podaj datę informacji" in html
    assert "co najmniej 3 inne sformułowania pytania" in html
    assert "(teraz: 1)" in html
    assert "Wybierz temat z listy." in html
    assert 'aria-invalid="true"' in html
    assert "Popraw zaznaczone pola (4)" in html
    assert "Czy można złożyć dwa wnioski?" in html  # what was typed is kept
    with panel.sessions() as db:
        assert db.query(FaqEntry).count() == 5


def test_bad_date_taken_id_and_unknown_call(panel: Panel) -> None:
    client = panel.login()
    bad = {**NEW_FAQ, "info_date": "2023-13-45", "id": "lgd-kontakt"}
    html = submit(client, "/admin/faq/new", bad, form_page="/admin/faq/new").text
    assert "Nieprawidłowa data „2023-13-45”" in html
    assert "Ten identyfikator jest już zajęty" in html
    bad = {**NEW_FAQ, "id": "Zly Identyfikator!"}
    html = submit(client, "/admin/faq/new", bad, form_page="/admin/faq/new").text
    assert "może zawierać tylko małe litery" in html
    bad = {**NEW_FAQ, "call": "NIE/MA/TAKIEGO"}
    html = submit(client, "/admin/faq/new", bad, form_page="/admin/faq/new").text
    assert "nieznany kod naboru „NIE/MA/TAKIEGO”" in html


def test_script_in_an_answer_is_stored_verbatim_and_shown_escaped(panel: Panel) -> None:
    client = panel.login()
    hostile = f"Odpowiedź {HOSTILE} koniec"
    assert (
        edit(
            client, "/admin/faq/lgd-kontakt", answer=hostile, question=f"Kontakt {HOSTILE}"
        ).status_code
        == 303
    )
    with panel.sessions() as db:
        row = repository.get_faq(db, entry_id="lgd-kontakt")
        assert row is not None
        assert row.answer == hostile
    pages = [
        client.get("/admin/faq/lgd-kontakt").text,
        client.get("/admin/faq").text,
        client.get("/admin/history").text,
        client.get("/admin/check", params={"q": "telefon do koordynatora"}).text,
    ]
    for html in pages:
        assert HOSTILE not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_edit_is_live_and_revert_restores_the_previous_answer(panel: Panel) -> None:
    client = panel.login()
    old = "Koordynator: Mariusz Godlejewski.\nTel. +48 786 020 704."
    assert "Mariusz Godlejewski" in answer(panel, "telefon do koordynatora")
    response = edit(client, "/admin/faq/lgd-kontakt", answer="Dzwoń do biura: 56 000 00 00.")
    assert response.headers["location"] == "/admin/faq/lgd-kontakt?ok=saved"
    assert "56 000 00 00" in answer(panel, "telefon do koordynatora")
    page = client.get("/admin/faq/lgd-kontakt?ok=saved").text
    assert "Zapisano. Asystent odpowiada już według nowej treści." in page
    assert "<del>" in page
    assert "<ins>" in page

    with panel.sessions() as db:
        change = (
            db.query(ChangeLog)
            .filter_by(entity_id="lgd-kontakt")
            .order_by(ChangeLog.id.desc())
            .first()
        )
        assert change is not None
        assert change.action == "update"
        change_id = change.id
    reverted = submit(client, f"/admin/history/{change_id}/revert", {}, form_page="/admin/history")
    assert reverted.status_code == 303
    assert reverted.headers["location"] == "/admin/faq/lgd-kontakt?ok=reverted"
    with panel.sessions() as db:
        row = repository.get_faq(db, entry_id="lgd-kontakt")
        assert row is not None
        assert row.answer == old
    assert "Mariusz Godlejewski" in answer(panel, "telefon do koordynatora")
    history = client.get("/admin/history").text
    assert f"cofnięcie zmiany nr {change_id}" in history
    assert "Ala Testowa" in history


def test_reverting_an_older_change_asks_before_overwriting(panel: Panel) -> None:
    client = panel.login()
    edit(client, "/admin/faq/lgd-kontakt", answer="Pierwsza poprawka.")
    edit(client, "/admin/faq/lgd-kontakt", answer="Druga poprawka.")
    with panel.sessions() as db:
        first = (
            db.query(ChangeLog).filter_by(entity_id="lgd-kontakt").order_by(ChangeLog.id).all()[-2]
        )
        first_id = first.id
    conflict = submit(client, f"/admin/history/{first_id}/revert", {}, form_page="/admin/history")
    assert conflict.status_code == 409
    assert "najpierw cofnij nowsze zmiany" in conflict.text
    forced = submit(
        client, f"/admin/history/{first_id}/revert", {"force": "1"}, form_page="/admin/history"
    )
    assert forced.status_code == 303
    with panel.sessions() as db:
        row = repository.get_faq(db, entry_id="lgd-kontakt")
        assert row is not None
        assert row.answer.startswith("Koordynator: Mariusz")


def test_concurrent_edit_is_not_lost(panel: Panel) -> None:
    first, second = panel.login("ala"), panel.login("root")
    stale = form_fields(second.get("/admin/faq/lgd-kontakt").text, "/admin/faq/lgd-kontakt")
    edit(first, "/admin/faq/lgd-kontakt", answer="Zmiana Ali.")
    stale["answer"] = "Zmiana roota na starej wersji."
    response = second.post("/admin/faq/lgd-kontakt", data=stale)
    assert response.status_code == 422
    assert "Ktoś inny zapisał ten wpis" in response.text
    with panel.sessions() as db:
        row = repository.get_faq(db, entry_id="lgd-kontakt")
        assert row is not None
        assert row.answer == "Zmiana Ali."


def test_saving_without_changes_says_so(panel: Panel) -> None:
    client = panel.login()
    revision = panel.knowledge.revision()
    response = edit(client, "/admin/faq/lgd-kontakt")
    assert response.headers["location"].endswith("ok=unchanged")
    assert panel.knowledge.revision() == revision


def test_delete_needs_confirmation_and_can_be_reverted(panel: Panel) -> None:
    client = panel.login()
    confirm = client.get("/admin/faq/lgd-kontakt/delete")
    assert "Usunąć ten wpis?" in confirm.text
    response = submit(
        client, "/admin/faq/lgd-kontakt/delete", {}, form_page="/admin/faq/lgd-kontakt/delete"
    )
    assert response.headers["location"] == "/admin/faq?ok=deleted"
    assert client.get("/admin/faq/lgd-kontakt").status_code == 404
    assert "Koordynator" not in answer(panel, "telefon do koordynatora")
    with panel.sessions() as db:
        change = db.query(ChangeLog).filter_by(entity_id="lgd-kontakt", action="delete").one()
        change_id = change.id
    submit(client, f"/admin/history/{change_id}/revert", {}, form_page="/admin/history")
    assert client.get("/admin/faq/lgd-kontakt").status_code == 200


def test_guidance_article_round_trip(panel: Panel) -> None:
    client = panel.login()
    page = client.get("/admin/faq?kind=guidance").text
    ids = [i for i in re.findall(r'href="/admin/faq/([a-z0-9-]+)"', page) if i != "new"]
    assert ids, "the test KB has guidance articles"
    path = f"/admin/faq/{ids[0]}"
    assert edit(client, path, body="Nowa treść artykułu.\n\nDrugi akapit.").status_code == 303
    with panel.sessions() as db:
        article = repository.get_guidance(db, article_id=ids[0])
        assert article is not None
        assert article.body == "Nowa treść artykułu.\n\nDrugi akapit."
    html = submit(
        client,
        "/admin/faq/new",
        {"kind": "guidance", "title": "", "body": ""},
        form_page="/admin/faq/new?kind=guidance",
    ).text
    assert "Wpisz tytuł artykułu." in html
    assert "Wpisz treść artykułu." in html


def test_check_question_shows_band_candidates_and_reply(panel: Panel) -> None:
    client = panel.login()
    html = client.get("/admin/check", params={"q": "telefon do koordynatora"}).text
    assert "Wynik: Odpowie" in html
    assert "lgd-kontakt" in html
    assert "Mariusz Godlejewski" in html
    assert "Źródło: seed-announcement.txt" in html
    html = client.get("/admin/check", params={"q": "ile kosztuje bilet do kina w Paryżu"}).text
    assert "Nie wie — zaproponuje koordynatora" in html or "Zapyta" in html


def test_revision_counter_moves_with_every_panel_write(panel: Panel) -> None:
    client = panel.login()
    with panel.sessions() as db:
        before = current_revision(db)
    edit(client, "/admin/faq/lgd-kontakt", answer="Nowa odpowiedź.")
    with panel.sessions() as db:
        assert current_revision(db) == before + 1
