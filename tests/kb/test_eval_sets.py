"""The labelled conversation sets of `make eval` stay consistent with the shipped content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "knowledge_base" / "content"
SETS = sorted((ROOT / "tests" / "data").glob("conversations_eval*.yml"))


def _statuses() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(CONTENT.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for row in data.get("faq") or []:
            found[row["id"]] = row.get("status", "answered")
        for row in data.get("guidance") or []:
            found[row["id"]] = "answered"
    return found


def _turns(data: dict[str, Any]) -> list[dict[str, Any]]:
    turns = list(data.get("messages") or [])
    for dialogue in data.get("dialogues") or []:
        turns.extend(dialogue["turns"])
    return turns


def test_there_are_eight_sets() -> None:
    assert [path.name for path in SETS] == [
        "conversations_eval.yml",
        "conversations_eval_v2.yml",
        "conversations_eval_v3.yml",
        "conversations_eval_v4.yml",
        "conversations_eval_v5.yml",
        "conversations_eval_v6.yml",
        "conversations_eval_v7.yml",
        "conversations_eval_v8.yml",
    ]


@pytest.mark.parametrize("path", SETS, ids=lambda path: path.name)
def test_every_expected_entry_exists_with_the_expected_status(path: Path) -> None:
    statuses = _statuses()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    wrong = [
        (turn["text"], key, turn["expect"][key], statuses.get(turn["expect"][key]))
        for turn in _turns(data)
        for key, status in (("answer", "answered"), ("unknown", "unknown"))
        if key in turn.get("expect", {}) and statuses.get(turn["expect"][key]) != status
    ]
    assert wrong == []


@pytest.mark.parametrize("path", SETS, ids=lambda path: path.name)
def test_each_set_has_200_messages_and_16_or_more_dialogues(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert len(_turns(data)) >= 200
    assert len(data["dialogues"]) >= 16
    assert all(len(dialogue["turns"]) >= 2 for dialogue in data["dialogues"])
