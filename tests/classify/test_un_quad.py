"""The UN quad corpus: held-out files stay as pinned, and `eval --un-quad` scores it against the baseline."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.evaluate import agreement, keyword_baseline, quad_gold

UN_QUAD = Path(__file__).parents[1] / "data" / "classify" / "un_quad"


def test_heldout_files_match_their_pinned_hashes():
    lines = (UN_QUAD / "heldout.SHA256SUMS").read_text(encoding="utf-8").splitlines()
    pinned = dict(reversed(line.split(maxsplit=1)) for line in lines if line.strip())
    on_disk = {f"heldout/{path.name}" for path in (UN_QUAD / "heldout").glob("*.jsonl")}
    assert set(pinned) == on_disk
    for name, digest in pinned.items():
        assert hashlib.sha256((UN_QUAD / name).read_bytes()).hexdigest() == digest, f"{name} changed"


def test_dev_and_heldout_share_no_row():
    """Disjoint row ids (the source repeats some boilerplate lines, so equal texts may occur in both)."""

    def ids(folder: str) -> set[str]:
        with (UN_QUAD / folder / "en.jsonl").open(encoding="utf-8") as stream:
            return {json.loads(line)["id"] for line in stream}

    assert ids("dev") and ids("heldout") and not ids("dev") & ids("heldout")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Armed groups attacked the village and killed civilians.", "escalation"),
        ("Las partes firmaron un acuerdo de alto el fuego.", "de-escalation"),
        ("قصف الجيش المدينة", "escalation"),
        ("The committee approved its budget.", "neutral"),
    ],
)
def test_keyword_baseline_counts_stems(text, label):
    assert keyword_baseline(text) == label


def test_mappings_keep_only_their_codes():
    rows = [{"quad": code} for code in range(5)]
    assert quad_gold(rows, "strict") == [(0, "neutral"), (1, "escalation"), (4, "de-escalation")]
    assert [label for _, label in quad_gold(rows, "broad")] == [
        "neutral",
        "escalation",
        "de-escalation",
        "escalation",
        "de-escalation",
    ]


def test_agreement_counts_only_rows_where_the_reference_takes_a_side():
    reference = {"a": "escalation", "b": "neutral", "c": "de-escalation", "d": "escalation"}
    other = {"a": "escalation", "b": "escalation", "c": "neutral"}
    assert agreement(reference, other) == (1, 2)


def _write(folder: Path, name: str, rows: list[dict[str, object]]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def test_eval_un_quad_prints_engine_baseline_and_agreement(ladderwatch_env, tmp_path, capsys):
    corpus = tmp_path / "quad"
    _write(
        corpus,
        "en",
        [
            {"id": "u1", "lang": "en", "text": "Rebels shelled the town and killed five soldiers.", "quad": 1},
            {"id": "u2", "lang": "en", "text": "The ministers welcomed the peace agreement.", "quad": 4},
            {"id": "u3", "lang": "en", "text": "The meeting approved the agenda.", "quad": 0},
            {"id": "u4", "lang": "en", "text": "The envoy criticised the decision.", "quad": 3},
        ],
    )
    _write(
        corpus,
        "es",
        [
            {
                "id": "u1",
                "lang": "es",
                "text": "Los rebeldes bombardearon la ciudad y mataron a soldados.",
                "quad": 1,
            },
            {"id": "u2", "lang": "es", "text": "Los ministros celebraron el acuerdo de paz.", "quad": 4},
        ],
    )
    assert main(["eval", "--un-quad", str(corpus), "--no-translate"]) == 0
    out = capsys.readouterr().out
    assert f"{corpus / 'en.jsonl'}: 3 of 4 rows scored (mapping strict)" in out
    assert "ladderwatch" in out and "keyword base" in out
    assert "  en = es: " in out


def test_eval_un_quad_reports_lines_without_a_quad_code(ladderwatch_env, tmp_path, capsys):
    corpus = tmp_path / "quad"
    _write(
        corpus,
        "en",
        [
            {"id": "u1", "lang": "en", "text": "Troops attacked the post.", "quad": 1},
            {"id": "u2", "lang": "en", "text": "No code here."},
        ],
    )
    assert main(["eval", "--un-quad", str(corpus), "--no-translate"]) == 1
    assert 'missing integer "quad"' in capsys.readouterr().err
