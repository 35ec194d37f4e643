"""Does a message ask to be contacted by a person? A safety net under the NLU.

A missed hand-off request is the worst failure of the assistant, and wishes for contact
come in endless wordings ("wolałabym, żeby on sam się ze mną skontaktował"). When the NLU
files such a message as off-topic, this check still recognises the pattern every one of
them shares: a verb of getting in touch and the writer as its object.
"""

from __future__ import annotations

import re

from knowledge_base.text import strip_diacritics

_CONTACT_VERB = r"(?:skontakt\w*|kontaktow\w*|zadzwon\w*|oddzwon\w*|odezw\w*|odpisa\w*|odpisz\w*)"
_ME = r"(?:ze\s+mna|do\s+mnie|mi|mnie|z\s+nami|do\s+nas|nam)"
_PATTERN = re.compile(
    rf"\b(?:{_CONTACT_VERB}\b(?:\W+\w+){{0,3}}?\W+{_ME}\b|{_ME}\b(?:\W+\w+){{0,3}}?\W+{_CONTACT_VERB})",
    re.IGNORECASE,
)


def asks_for_contact(text: str) -> bool:
    """True for "niech ktoś do mnie zadzwoni", "żeby się ze mną skontaktował", …"""
    return bool(_PATTERN.search(strip_diacritics(text.lower())))
