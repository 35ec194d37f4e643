"""Calls: deadline order, status from dates, explicit unknowns, editing dates and amounts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from knowledge_base import repository
from tests.admin.helpers import Panel, edit, submit

WARSAW = ZoneInfo("Europe/Warsaw")
RPKP = "RPKP.11.01.00-04-0001/22"
RPKP_EDIT = "/admin/calls/edit?code=RPKP.11.01.00-04-0001%2F22"


def test_list_orders_by_deadline_and_says_unknown(panel: Panel) -> None:
    client = panel.login()
    submit(
        client,
        "/admin/calls/new",
        {
            "code": "2/G/2026",
            "name": "Nabór wiosenny",
            "scope": "torun",
            "opens_at": "2026-03-01T08:00",
            "closes_at": "2026-03-20T15:00",
            "source": "ogłoszenie",
            "info_date": "2026-02-20",
        },
    )
    html = client.get("/admin/calls").text
    order = [html.index(code) for code in ("2/G/2026", RPKP, "1/G/2018")]
    assert order == sorted(order), "next deadline first, unknown deadline next, past last"
    assert "trwa" in html
    assert "zamknięty" in html
    assert "nieznany" in html
    assert "Nabór trwa jeszcze 18 dni (do 20 marca 2026, godz. 15:00)." in html
    assert '<span class="unknown">nieznane</span>' in html
    assert "650\u00a0000\u00a0zł" in html


def test_edit_dates_and_amounts(panel: Panel) -> None:
    client = panel.login()
    response = edit(
        client,
        RPKP_EDIT,
        action="/admin/calls/edit",
        opens_at="2023-06-01T00:00",
        closes_at="2023-07-28T15:00",
        pool_pln="1 200 000",
        max_amount_pln="50000,50 zł",
        code=RPKP,
    )
    assert response.status_code == 303, response.text
    with panel.sessions() as db:
        call = repository.get_call(db, code=RPKP)
        assert call is not None
        assert call.pool_pln == Decimal("1200000")
        assert call.max_amount_pln == Decimal("50000.50")
        assert call.closes_at == datetime(2023, 7, 28, 15, 0, tzinfo=WARSAW)
    page = client.get(RPKP_EDIT).text
    assert 'value="2023-07-28T15:00"' in page
    assert 'value="50000,50"' in page
    assert "Nabór zakończył się 28 lipca 2023." in page


def test_call_validation_messages(panel: Panel) -> None:
    client = panel.login()
    html = edit(
        client,
        RPKP_EDIT,
        action="/admin/calls/edit",
        pool_pln="dużo",
        opens_at="2023-07-01T00:00",
        closes_at="2023-06-01T00:00",
        source="",
        info_date="",
    ).text
    assert "Podaj kwotę w złotych liczbą" in html
    assert "Koniec naboru musi być później niż opens_at." in html or "Podaj źródło" in html
    assert "Podaj źródło informacji" in html
    assert "Podaj datę informacji" in html
    with panel.sessions() as db:
        call = repository.get_call(db, code=RPKP)
        assert call is not None
        assert call.pool_pln is None


def test_clearing_a_field_makes_it_unknown_again(panel: Panel) -> None:
    client = panel.login()
    edit(client, "/admin/calls/edit?code=1%2FG%2F2018", action="/admin/calls/edit", pool_pln="")
    with panel.sessions() as db:
        call = repository.get_call(db, code="1/G/2018")
        assert call is not None
        assert call.pool_pln is None
    assert '<span class="unknown">nieznane</span>' in client.get("/admin/calls").text


def test_duplicate_code_is_refused(panel: Panel) -> None:
    client = panel.login()
    html = submit(
        client,
        "/admin/calls/new",
        {"code": "1/G/2018", "name": "x", "source": "y", "info_date": "2020-01-01"},
    ).text
    assert "Nabór o tym kodzie już istnieje." in html


def test_end_before_start_is_explained(panel: Panel) -> None:
    client = panel.login()
    response = edit(
        client,
        RPKP_EDIT,
        action="/admin/calls/edit",
        opens_at="2023-07-01T00:00",
        closes_at="2023-06-01T00:00",
    )
    assert response.status_code == 422
    assert 'id="error-closes_at"' in response.text
    assert "Koniec naboru musi być później niż opens_at." in response.text
