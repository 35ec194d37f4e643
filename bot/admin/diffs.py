"""Before/after of one history row, field by field, with word-level changes marked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from bot.admin.labels import FIELDS

Op = Literal["same", "removed", "added"]
_TOKEN = re.compile(r"\s*\S+\s*|\s+")
# Below this similarity a word diff is noise: show the old text removed and the new one added.
MIN_RATIO = 0.3


@dataclass(frozen=True)
class FieldDiff:
    name: str
    label: str
    before: str
    after: str
    segments: tuple[tuple[Op, str], ...]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    return str(value)


def word_diff(before: str, after: str) -> tuple[tuple[Op, str], ...]:
    """Removed and added words in reading order (whitespace kept, so line breaks survive)."""
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    segments: list[tuple[Op, str]] = []
    matcher = SequenceMatcher(a=old, b=new, autojunk=False)
    if matcher.ratio() < MIN_RATIO:
        whole: list[tuple[Op, str]] = [("removed", before), ("added", after)]
        return tuple((op, text) for op, text in whole if text)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("removed", "".join(old[i1:i2])))
        if j2 > j1:
            segments.append(("added", "".join(new[j1:j2])))
    return tuple(segments)


def record_diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldDiff]:
    """Changed fields in the order the forms show them."""
    old, new = before or {}, after or {}
    names = [name for name in FIELDS if name in old or name in new]
    names += sorted((set(old) | set(new)) - set(names))
    diffs = []
    for name in names:
        a, b = _text(old.get(name)), _text(new.get(name))
        if a != b:
            diffs.append(FieldDiff(name, FIELDS.get(name, name), a, b, word_diff(a, b)))
    return diffs
