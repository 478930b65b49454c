"""The blind measurement sets stay exactly as written: a silent edit (or tuning leak) shows up here."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "data" / "classify"
PINNED = (
    "blind2",
    "blind3",
    "incidental_blind",
    "blind4",
    "incidental_blind2",
    "blind5",
    "incidental_blind3",
    "blind6",
    "incidental_blind4",
    "blind7",
    "incidental_blind5",
    "incidental_blind6",
    "blind8",
    "incidental_blind7",
    "incidental_blind8",
    "incidental_blind9",
    "blind9",
    "incidental_blind10",
    "blind10",
    "incidental_blind11",
    "blind11",
    "incidental_blind12",
    "incidental_blind13",
)
LABELS = {"escalation", "de-escalation", "neutral"}


def _pins(folder: Path) -> dict[str, str]:
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name.strip(): digest for digest, name in (line.split(maxsplit=1) for line in lines if line.strip())}


@pytest.mark.parametrize("name", PINNED)
def test_blind_files_match_their_pinned_hashes(name):
    folder = DATA / name
    pins = _pins(folder)
    assert set(pins) == {path.name for path in folder.glob("*.jsonl")}
    for file, digest in pins.items():
        assert hashlib.sha256((folder / file).read_bytes()).hexdigest() == digest, f"{name}/{file} changed"


@pytest.mark.parametrize("name", PINNED)
def test_blind_items_carry_a_known_label(name):
    for path in sorted((DATA / name).glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            item = json.loads(line)
            labels = {item["label"], *item.get("also", [])}
            assert item["text"].strip() and labels <= LABELS, f"{path.name}:{number}"
