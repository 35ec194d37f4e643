"""Import through the panel: the same validation as `kb import`, preview first, all or nothing."""

from __future__ import annotations

import yaml

from knowledge_base import repository
from knowledge_base.importer import export_all
from tests.admin.helpers import Panel, csrf_of, form_fields

GOOD = """\
faq:
  - id: nowe-pytanie-z-pliku
    topic: kontakt
    scope: torun
    status: answered
    question: Gdzie jest biuro LGD?
    phrasings: [adres biura, gdzie biuro, jak dojechac do biura]
    answer: Biuro jest przy ul. Przykładowej 1.
    source: strona LGD
    info_date: 2024-01-15
  - id: lgd-kontakt
    topic: kontakt
    scope: torun
    status: answered
    question: Jak skontaktować się z koordynatorem?
    phrasings: [telefon do koordynatora, kontakt z koordynatorem, z kim rozmawiac]
    answer: Nowy numer biura.
    source: seed-announcement.txt
    info_date: 2023-05-09
"""
BROKEN = """\
faq:
  - id: dobre-pytanie
    topic: kontakt
    scope: torun
    status: answered
    question: Dobre pytanie?
    phrasings: [a, b, c]
    answer: Dobra odpowiedź.
    source: strona LGD
    info_date: 2024-01-15
  - id: zle-pytanie
    topic: pogoda
    scope: torun
    status: answered
    question: Złe pytanie?
    phrasings: [tylko jedno]
    answer: Odpowiedź.
    info_date: 2024-13-01
"""
BAD_CSV = (
    "id,topic,scope,status,question,phrasings,keywords,answer,call,source,info_date\n"
    "csv-nowe,koszty,ogolne,answered,Pytanie?,a|b|c,,Odpowiedź.,NIE/MA,źródło,2023-01-10\n"
)


def upload(client, name: str, content: bytes | str):
    token = csrf_of(client, "/admin/import")
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        "/admin/import", data={"csrf_token": token}, files={"file": (name, data, "text/yaml")}
    )


def snapshot(panel: Panel) -> tuple[str, int]:
    with panel.sessions() as db:
        return export_all(db), repository.current_revision(db)


def test_broken_file_lists_every_problem_and_changes_nothing(panel: Panel) -> None:
    client = panel.login()
    before = snapshot(panel)
    response = upload(client, "../../etc/nowe pytania.yml", BROKEN)
    assert response.status_code == 422
    html = response.text
    assert "nic nie zostało zapisane" in html
    assert "nowe_pytania.yml:12: topic: niedozwolona wartość „pogoda”" in html
    assert "nowe_pytania.yml:16: phrasings: za mało pozycji: 1, potrzeba co najmniej 3" in html
    assert "nowe_pytania.yml:11: source: brak źródła" in html
    assert "nowe_pytania.yml:18: info_date: nieprawidłowa data „2024-13-01”" in html
    assert "Zapisz zmiany w bazie" not in html
    assert snapshot(panel) == before


def test_unknown_call_in_csv_and_bad_files(panel: Panel) -> None:
    client = panel.login()
    before = snapshot(panel)
    html = upload(client, "pytania.csv", BAD_CSV).text
    assert "pytania.csv:2: call: nieznany kod naboru „NIE/MA”" in html
    assert "nieobsługiwany typ pliku" in upload(client, "notatki.txt", "faq: []").text
    assert (
        "plik nie jest zapisany w kodowaniu UTF-8"
        in upload(client, "a.yml", "faq:\n  - id: \xff".encode("latin-1")).text
    )
    assert "błąd składni YAML" in upload(client, "a.yml", "faq: [\n  - x: : :").text
    assert "plik jest pusty" in upload(client, "a.yml", "   \n").text
    assert "plik jest za duży" in upload(client, "a.yml", b"#" * (2 * 1024 * 1024 + 10)).text
    token = csrf_of(client, "/admin/import")
    assert (
        "Wybierz plik"
        in client.post("/admin/import", data={"csrf_token": token}, files={"file": ("", b"")}).text
    )
    assert snapshot(panel) == before


def test_preview_then_confirm(panel: Panel) -> None:
    client = panel.login()
    before = snapshot(panel)
    preview = upload(client, "nowe.yml", GOOD)
    assert preview.status_code == 200
    assert "Plik jest poprawny" in preview.text
    assert "Gdzie jest biuro LGD?" in preview.text
    assert "pytania (faq): 1 nowe, 1 zmienione, 0 bez zmian" in preview.text
    assert snapshot(panel) == before, "the preview writes nothing"
    fields = form_fields(preview.text, "/admin/import/confirm")
    done = client.post("/admin/import/confirm", data=fields)
    assert done.status_code == 200
    assert "Zaimportowano plik nowe.yml" in done.text
    with panel.sessions() as db:
        assert repository.get_faq(db, entry_id="nowe-pytanie-z-pliku") is not None
        row = repository.get_faq(db, entry_id="lgd-kontakt")
        assert row is not None
        assert row.answer == "Nowy numer biura."
        assert row.updated_by == "panel:ala"
    again = client.post("/admin/import/confirm", data=fields)
    assert again.status_code == 410
    assert "Podgląd wygasł" in again.text


def test_preview_belongs_to_the_person_who_uploaded(panel: Panel) -> None:
    ala, root = panel.login("ala"), panel.login("root")
    fields = form_fields(upload(ala, "nowe.yml", GOOD).text, "/admin/import/confirm")
    fields["csrf_token"] = csrf_of(root, "/admin/import")
    assert root.post("/admin/import/confirm", data=fields).status_code == 410


def test_export_downloads_yaml_that_imports_unchanged(panel: Panel) -> None:
    client = panel.login()
    response = client.get("/admin/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-yaml")
    assert response.headers["content-disposition"].startswith('attachment; filename="baza-wiedzy-')
    data = yaml.safe_load(response.text)
    assert {e["id"] for e in data["faq"]} >= {"lgd-kontakt", "csv-vat"}
    preview = upload(client, "eksport.yml", response.content)
    assert "0 nowe, 0 zmienione" in preview.text
