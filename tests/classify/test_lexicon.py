"""Lexicon files are validated on load, and a bad entry is reported with file, id and reason."""

import copy
import re
from importlib import resources

import pytest
import yaml

from bot.classify.lazy import CompiledLexicons
from bot.classify.lexicon import LexiconError, load_package_data, parse_categories, parse_lexicon

SOURCE = "lexicons/xx.yaml"


@pytest.fixture(scope="module")
def categories():
    categories, _ = load_package_data()
    return categories


def lexicon_data(**cue_fields):
    entry = {"id": "xx.ceasefire.tregua", "pattern": "tregua", "english": "truce"}
    entry.update(cue_fields)
    return {
        "lang": "xx",
        "negation": [{"id": "xx.neg.non", "pattern": "non", "note": "negator"}],
        "cues": [{"category": "ceasefire", "note": "ceasefire words", "entries": [entry]}],
    }


def test_valid_lexicon_parses_with_category_weight_and_group_note(categories):
    lexicon = parse_lexicon(lexicon_data(), SOURCE, categories)
    (cue,) = lexicon.cues
    assert cue.weight == categories.categories["ceasefire"].weight
    assert cue.note == "ceasefire words"
    assert lexicon.modifiers[0].kind == "negation"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"pattern": "tregua("}, "not a valid regex"),
        ({"pattern": "(tregua)?"}, "matches the empty string"),
        ({"pattern": "Tregua"}, "must be lower case"),
        ({"weight": 5.0}, "wrong sign"),
        ({"weight": -12.0}, "outside [-10, 10]"),
        ({"english": None}, "need an 'english' gloss"),
    ],
)
def test_bad_cue_entry_is_reported_with_file_id_and_reason(categories, fields, reason):
    with pytest.raises(LexiconError) as raised:
        parse_lexicon(lexicon_data(**fields), SOURCE, categories)
    message = str(raised.value)
    assert SOURCE in message
    assert "xx.ceasefire.tregua" in message
    assert reason in message


def test_a_broken_pattern_left_unchecked_on_load_is_named_when_its_lexicon_compiles(categories):
    lexicon = parse_lexicon(lexicon_data(pattern="tregua("), SOURCE, categories, regexes=False)
    with pytest.raises(LexiconError, match=r"xx\.ceasefire\.tregua.*not a valid regex"):
        CompiledLexicons({"xx": lexicon}, categories)["xx"]


def test_unknown_category_is_named(categories):
    data = lexicon_data()
    data["cues"][0]["category"] = "peace_dividend"
    with pytest.raises(LexiconError, match="unknown category 'peace_dividend'"):
        parse_lexicon(data, SOURCE, categories)


def test_duplicate_id_is_rejected(categories):
    data = lexicon_data()
    data["cues"][0]["entries"].append(copy.deepcopy(data["cues"][0]["entries"][0]))
    with pytest.raises(LexiconError, match=r"xx\.ceasefire\.tregua.*duplicate id"):
        parse_lexicon(data, SOURCE, categories)


def test_missing_pattern_is_named(categories):
    data = lexicon_data()
    del data["cues"][0]["entries"][0]["pattern"]
    with pytest.raises(LexiconError, match="missing field 'pattern'"):
        parse_lexicon(data, SOURCE, categories)


def test_entry_without_any_note_is_rejected(categories):
    data = lexicon_data()
    del data["cues"][0]["note"]
    with pytest.raises(LexiconError, match="needs a 'note'"):
        parse_lexicon(data, SOURCE, categories)


def test_context_entry_needs_a_known_domain(categories):
    data = lexicon_data()
    data["context"] = [{"id": "xx.ctx.golf", "domain": "golf", "pattern": "golf", "note": "sport"}]
    with pytest.raises(LexiconError, match=r"xx\.ctx\.golf.*unknown domain 'golf'"):
        parse_lexicon(data, SOURCE, categories)


def test_category_with_wrong_sign_is_rejected():
    data = {
        "categories": [{"id": "threat", "side": "escalation", "weight": -7, "note": "CAMEO 138"}],
        "tuning": {},
    }
    with pytest.raises(
        LexiconError, match=re.escape("categories.yaml: entry 'threat': weight -7.0 has the wrong sign")
    ):
        parse_categories(data, "categories.yaml")


def test_shipped_lexicons_cover_every_category_in_every_language():
    categories, lexicons = load_package_data()
    kinds = {name for name, c in categories.categories.items() if c.side != "blocker"}
    for lang, lexicon in lexicons.items():
        missing = kinds - {cue.category for cue in lexicon.cues}
        assert not missing, f"{lang} lacks cues for {sorted(missing)}"


def test_shipped_lexicons_include_the_languages_the_bot_promises():
    _, lexicons = load_package_data()
    promised = {"en", "it", "fr", "de", "es", "pt", "ru", "uk", "ar", "fa", "ur", "hi", "zh", "tr"}
    assert promised <= lexicons.keys()


def test_pattern_with_a_character_that_folding_replaces_is_rejected(categories):
    data = lexicon_data(pattern="tregùa")
    data["fold"] = {"ù": "u"}
    with pytest.raises(LexiconError, match=r"xx\.ceasefire\.tregua.*which text folding replaces"):
        parse_lexicon(data, SOURCE, categories)


def test_tuning_naming_an_unknown_category_is_rejected():
    categories_file = resources.files("bot.classify") / "categories.yaml"
    data = yaml.safe_load(categories_file.read_text(encoding="utf-8"))
    data["tuning"]["topic_setters"] = ["ceasefire_violation", "rejected_talks"]
    with pytest.raises(LexiconError, match=r"topic_setters.*unknown categories \['rejected_talks'\]"):
        parse_categories(data, "categories.yaml")
