"""`ladderwatch classify` and `ladderwatch eval` through the real CLI, translation via a loopback LibreTranslate."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import main

TAJANI_IT = "Ho parlato con i ministri degli Esteri di India e Pakistan: entrambi sono disponibili alla de-escalation."
TAJANI_EN = "I spoke with the foreign ministers of India and Pakistan: both are willing to de-escalate."


def _jsonl(*items: object) -> str:
    return "\n".join(item if isinstance(item, str) else json.dumps(item) for item in items) + "\n"


def test_jsonl_with_libretranslate_returns_the_documented_fields(
    ladderwatch_env, libretranslate_server, monkeypatch, capsys
):
    libretranslate_server.translations[TAJANI_IT] = TAJANI_EN
    ladderwatch_env.set(LADDERWATCH_TRANSLATOR="libre", LIBRETRANSLATE_URL=libretranslate_server.url)
    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(
            _jsonl(
                {"id": "it-1", "text": TAJANI_IT},
                {"id": "en-1", "text": "Any attack will be met with a firm response."},
            )
        ),
    )
    assert main(["classify", "--jsonl", "-"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["it-1", "en-1"]
    italian, english = out
    assert set(italian) >= {"id", "lang", "label", "score", "confidence", "mixed", "cues", "translation", "translated"}
    assert italian["lang"] == "it" and italian["translated"] is True
    assert italian["translation"] == TAJANI_EN
    assert italian["label"] == "de-escalation" and italian["score"] < 0
    assert all(set(cue) >= {"text", "lang", "weight", "category"} for cue in italian["cues"])
    assert english["lang"] == "en" and english["translated"] is False and english["translation"] is None
    assert english["label"] == "escalation" and 0 < english["score"] <= 1
    assert libretranslate_server.queries == [TAJANI_IT]


def test_a_bad_line_is_reported_with_its_number_and_the_rest_processed(ladderwatch_env, tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text(
        _jsonl(
            {"id": 1, "text": "We call on both sides to exercise restraint."},
            "{not json",
            {"id": 3},
            {"id": 4, "text": "The trade fair opens on Monday."},
        )
    )
    assert main(["classify", "--jsonl", str(path), "--no-translate"]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line)["id"] for line in captured.out.splitlines()] == [1, 4]
    assert f"{path}:2: not JSON" in captured.err
    assert f"{path}:3: missing or empty 'text'" in captured.err


def test_negation_goes_both_ways(ladderwatch_env, capsys):
    assert main(["classify", "--no-translate", "The United States is not seeking to escalate tensions."]) == 0
    assert capsys.readouterr().out.startswith("DE-ESCALATION")
    assert main(["classify", "--no-translate", "We will not hesitate to respond to any aggression."]) == 0
    assert capsys.readouterr().out.startswith("ESCALATION")


def test_translation_failure_still_classifies_on_the_original(ladderwatch_env, libretranslate_server, capsys):
    libretranslate_server.fail_next(5)
    ladderwatch_env.set(LADDERWATCH_TRANSLATOR="libre", LIBRETRANSLATE_URL=libretranslate_server.url)
    assert main(["classify", "Facciamo appello alla massima moderazione e al dialogo."]) == 0
    out = capsys.readouterr().out
    assert out.startswith("DE-ESCALATION")
    assert "translation unavailable: libre" in out


def test_eval_prints_accuracy_per_class_scores_macro_f1_and_confusion(ladderwatch_env, tmp_path, capsys):
    path = tmp_path / "gold.jsonl"
    path.write_text(
        _jsonl(
            {"text": "We will retaliate against any strike.", "label": "escalation"},
            {"text": "We welcome the ceasefire.", "label": "de-escalation"},
            {"text": "Condolences to the victims of the floods.", "label": "neutral"},
            {"text": "The minister met the ambassador.", "label": "neutral", "also": ["de-escalation"]},
        )
    )
    assert main(["eval", str(path), "--no-translate"]) == 0
    out = capsys.readouterr().out.lower()
    for word in ("accuracy", "precision", "recall", "f1", "macro", "escalation", "neutral"):
        assert word in out


# --- audit: odd input never ends in a traceback or a confident verdict on nothing -------


def test_an_empty_or_control_only_text_is_refused_not_called_neutral(ladderwatch_env, capsys):
    for text in ("", "   ", "\x01\x02 \t"):
        assert main(["classify", "--no-translate", text]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and "nothing to classify: the text is empty" in captured.err


def test_invalid_utf8_on_standard_input_is_one_line_whatever_the_locale(ladderwatch_env, monkeypatch, capsys):
    data = b'{"id": 1, "text": "We call for restraint"}\n{"id": 2, "text": "caf\xe9"}\n'
    strict = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict")  # a UTF-8 user locale
    monkeypatch.setattr("sys.stdin", strict)
    assert main(["classify", "--no-translate", "--jsonl", "-"]) == 2
    out, err = capsys.readouterr()
    offset = data.index(0xE9)
    assert err.strip() == f"ladderwatch: -:2: not UTF-8 (byte 0xe9 at byte offset {offset}); save the file as UTF-8"
    assert [json.loads(line)["id"] for line in out.splitlines()] == [1]  # streamed: line 1 was answered


def test_a_folder_given_as_input_is_named_as_a_folder(ladderwatch_env, tmp_path, capsys):
    assert main(["classify", "--no-translate", "--jsonl", str(tmp_path)]) == 2
    assert f"{tmp_path}: is a folder; give a JSONL file" in capsys.readouterr().err


def test_eval_skips_a_line_whose_gold_label_is_unknown_instead_of_scoring_it(ladderwatch_env, tmp_path, capsys):
    path = tmp_path / "gold.jsonl"
    path.write_text(
        _jsonl(
            {"text": "We welcome the ceasefire.", "label": "de-escalation"},
            {"text": "We will retaliate against any strike.", "label": "ESCALATION"},
            {"text": "We welcome the ceasefire.", "label": "de-escalation", "also": "neutral"},
            {"text": "We welcome the ceasefire.", "label": "de-escalation", "also": 5},
            {"text": "We welcome the ceasefire.", "label": "de-escalation", "also": [{"a": 1}]},
        )
    )
    assert main(["eval", str(path), "--no-translate"]) == 1
    captured = capsys.readouterr()
    assert f"{path}:2: gold label 'ESCALATION' is not one of escalation, de-escalation, neutral" in captured.err
    for number in (3, 4, 5):
        assert f'{path}:{number}: "also" must be a list of labels' in captured.err
    assert "Traceback" not in captured.err
    assert captured.out.startswith("1 statements") and "ESCALATION" not in captured.out


def test_nan_and_infinite_numbers_are_bad_lines_so_every_output_line_is_json(ladderwatch_env, tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"id": 1e999, "text": "We call for restraint."}\n'
        '{"id": NaN, "text": "We call for restraint."}\n'
        '{"id": -Infinity, "text": "We call for restraint."}\n'
        '{"id": 4, "text": "We call for restraint.", "score": 1.5e3}\n'
    )
    assert main(["classify", "--no-translate", "--jsonl", str(path)]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line, parse_constant=lambda c: 1 / 0)["id"] for line in captured.out.splitlines()] == [4]
    assert f"{path}:1: not JSON (1e999 is too large for a JSON number)" in captured.err
    assert f"{path}:2: not JSON (NaN is not a JSON number)" in captured.err
    assert f"{path}:3: not JSON (-Infinity is not a JSON number)" in captured.err


def test_a_jsonl_text_of_control_characters_only_is_a_bad_line(ladderwatch_env, tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "text": "\\u0001\\u0002 \\t"}\n{"id": 2, "text": "We call for restraint."}\n')
    assert main(["classify", "--no-translate", "--jsonl", str(path)]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line)["id"] for line in captured.out.splitlines()] == [2]
    assert f"{path}:1: missing or empty 'text'" in captured.err


def test_an_unknown_lang_hint_is_a_usage_error_naming_the_codes(ladderwatch_env, capsys):
    """Before: `--lang xx` and `--lang english` were ignored without a word."""
    for hint in ("xx", "english", ""):
        with pytest.raises(SystemExit) as exit_:
            main(["classify", "--no-translate", "--lang", hint, "We call for restraint."])
        assert exit_.value.code == 2
        captured = capsys.readouterr()
        error = captured.err.strip().splitlines()[-1]
        assert f"argument --lang: {hint!r} is not a language code" in error, captured.err
        assert "en, es, et" in error and "Traceback" not in captured.err and captured.out == ""
    assert main(["classify", "--no-translate", "--lang", "it-IT", "Facciamo appello alla moderazione."]) == 0
    assert "language: it" in capsys.readouterr().out


def test_an_unknown_lang_in_a_jsonl_line_is_that_lines_error(ladderwatch_env, tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text(
        _jsonl(
            {"id": 1, "text": "We call for restraint.", "lang": "english"},
            {"id": 2, "text": "We call for restraint.", "lang": "en"},
        )
    )
    assert main(["classify", "--no-translate", "--jsonl", str(path)]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line)["id"] for line in captured.out.splitlines()] == [2]
    assert f"{path}:1: \"lang\" 'english' is not a language code" in captured.err
    gold = tmp_path / "gold.jsonl"
    gold.write_text(_jsonl({"text": "We welcome the ceasefire.", "label": "de-escalation", "lang": "xx"}))
    assert main(["eval", str(gold), "--no-translate"]) == 0  # only a gold language here: not a hint
    assert main(["eval", str(gold), "--no-translate", "--lang-hints"]) == 2  # a hint: the line is skipped
    assert f"{gold}:1: \"lang\" 'xx' is not a language code" in capsys.readouterr().err


def test_a_line_over_the_limit_is_that_lines_error_and_memory_stays_bounded(ladderwatch_env, tmp_path, capsys):
    """Before: a line was read whole however long (a 34 MB line took 700 MB and 14 s)."""
    import tracemalloc

    from bot.jsonl_input import MAX_LINE_BYTES

    small = tmp_path / "small.jsonl"
    small.write_text(_jsonl({"id": 0, "text": "We call for restraint."}))
    assert main(["classify", "--no-translate", "--jsonl", str(small)]) == 0  # loads what a run loads once
    path = tmp_path / "in.jsonl"
    huge = {"id": 2, "text": "We will retaliate. " * (8 * MAX_LINE_BYTES // 19)}
    path.write_text(_jsonl({"id": 1, "text": "We call for restraint."}, huge, {"id": 3, "text": "We welcome talks."}))
    capsys.readouterr()
    tracemalloc.start()
    try:
        assert main(["classify", "--no-translate", "--jsonl", str(path)]) == 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    captured = capsys.readouterr()
    assert [json.loads(line)["id"] for line in captured.out.splitlines()] == [1, 3]
    assert captured.err.strip() == (
        f"{path}:2: longer than 1,000,000 bytes, the most one input line may hold: shorten its text (only the "
        "first 10,000 characters are classified) or split it into several lines; line skipped"
    )
    assert peak < 3 * MAX_LINE_BYTES, f"{peak:,} bytes for an 8 MB line"


def test_lines_are_cut_at_every_newline_whatever_the_chunks(tmp_path):
    import io

    from bot.jsonl_input import line_batches

    def lines(limit: int) -> list[tuple[int, int, bytes | None]]:
        return [line for batch in line_batches(io.BytesIO(data), limit=limit) for line in batch]

    data = b"ab\n\ncd" + b"x" * 70_000 + b"\nlong" + b"y" * 200 + b"\nlast"
    got = lines(100_000)
    assert [(n, start) for n, start, _ in got] == [(1, 0), (2, 3), (3, 4), (4, 70_007), (5, 70_212)]
    assert [line for _, _, line in got] == [b"ab", b"", b"cd" + b"x" * 70_000, b"long" + b"y" * 200, b"last"]
    assert [line for _, _, line in lines(100)][2:4] == [None, None]
