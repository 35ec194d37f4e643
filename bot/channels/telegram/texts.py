"""What the Telegram channel itself says (everything else comes from Rasa), and its input limits."""

from __future__ import annotations

from typing import Final

MAX_INPUT_CHARS: Final = 2000
"""Longer questions are refused before reaching Rasa: they are rarely questions and cost a lot."""

WELCOME_TEXT: Final = (
    "Dzień dobry! Jestem Asystentem Naborów LGD „Dla Miasta Torunia” i Fundacji Studio M6. "
    "Odpowiadam na pytania o nabory wniosków: terminy, kto może złożyć wniosek, kwoty, "
    "dokumenty, protesty i innowacje społeczne.\n\n"
    "Napisz pytanie własnymi słowami, np. „Do kiedy można składać wnioski?”. "
    "Jeśli wolisz porozmawiać z człowiekiem, napisz /koordynator. Wszystkie polecenia: /pomoc.\n\n"
    "Prywatność: zapisuję treść naszej rozmowy i numer tego czatu w Telegramie, żeby "
    "odpowiadać w kontekście i — gdy o to poprosisz — przekazać pytanie koordynatorowi. "
    "Nie podawaj danych wrażliwych, np. numeru PESEL. "
    "Swoje dane usuniesz w każdej chwili poleceniem /usun_dane."
)

HELP_TEXT: Final = (
    "Pomagam w sprawach naborów wniosków LGD „Dla Miasta Torunia”:\n"
    "• do kiedy można składać wnioski,\n"
    "• kto może złożyć wniosek i na jaką kwotę,\n"
    "• jakie dokumenty są potrzebne,\n"
    "• jak złożyć protest.\n\n"
    "Przykładowe pytania:\n"
    "• Jaki nabór ogłosiła LGD w 2023 roku?\n"
    "• Czy stowarzyszenie zwykłe może złożyć wniosek?\n"
    "• Jakie załączniki trzeba dołączyć?\n\n"
    "Polecenia:\n"
    "/koordynator — przekaż pytanie koordynatorowi\n"
    "/status — sprawdź swoje zgłoszenia do koordynatora\n"
    "/usun_dane — usuń zapisane dane tej rozmowy\n"
    "/pomoc — ta wiadomość\n\n"
    "W grupie zawołaj mnie, wspominając moją nazwę (@…) albo odpowiadając na moją wiadomość."
)

NON_TEXT_TEXT: Final = (
    "Na razie rozumiem tylko wiadomości tekstowe — nie odczytam naklejek, zdjęć, nagrań "
    "ani plików. Napisz proszę pytanie słowami, np. „Jakie dokumenty trzeba dołączyć do wniosku?”."
)

EMPTY_TEXT: Final = (
    "Nie widzę treści pytania. Napisz proszę, w czym mogę pomóc — np. „Do kiedy trwa nabór?”."
)

TOO_LONG_TEXT: Final = (
    f"Ta wiadomość jest dla mnie za długa (mogę przyjąć do {MAX_INPUT_CHARS} znaków). "
    "Skróć ją proszę albo podziel na kilka krótszych pytań."
)

SLOW_DOWN_TEXT: Final = (
    "Zwolnij trochę — dostaję od Ciebie bardzo dużo wiadomości naraz. "
    "Odczekaj chwilę i napisz ponownie."
)

SLOW_DOWN_SHORT_TEXT: Final = "Zwolnij trochę — odczekaj chwilę i spróbuj ponownie."
"""The same for a button press, where Telegram shows at most 200 characters."""

UNKNOWN_COMMAND_TEXT: Final = "Nie znam tego polecenia. Wpisz /pomoc, żeby zobaczyć, co potrafię."

BUTTON_EXPIRED_TEXT: Final = "Ten przycisk jest już nieaktualny. Napisz proszę pytanie jeszcze raz."

CHOOSE_OPTION_TEXT: Final = "Wybierz jedną z opcji:"
"""Telegram refuses a message without text, so buttons sent alone get this caption."""

COMMAND_FAILED_TEXT: Final = (
    "Nie udało się teraz wykonać tego polecenia. Spróbuj ponownie za chwilę."
)

NO_OPEN_REQUESTS_TEXT: Final = "Nie masz otwartych zgłoszeń."

DATA_DELETED_TEXT: Final = (
    "Usunąłem dane zapisane w związku z tą rozmową. Jeśli napiszesz ponownie, zaczniemy od nowa."
)

HANDOFF_PAYLOAD: Final = "/request_human"
"""What /koordynator sends to Rasa: the intent that starts the hand-off flow."""
