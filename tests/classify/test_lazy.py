"""Lexicons compile on first use (a poll of unchanged feeds classifies nothing), to the same regexes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.classify import Classifier
from bot.classify.engine import CompiledLexicon
from bot.classify.lazy import CompiledLexicons
from bot.classify.lexicon import load_package_data


def _regexes(compiled: CompiledLexicon) -> tuple[object, ...]:
    """Everything a compiled lexicon scans with, as comparable values."""
    return (
        compiled._cue_spans.pattern,
        {kind: None if regex is None else regex.pattern for kind, regex in compiled._modifiers.items()},
        compiled._clause_break.pattern,
        [(regex.pattern, domain, reach) for regex, domain, reach in compiled._contexts],
        compiled._fold,
    )


@pytest.mark.fresh_classifier
def test_loading_compiles_nothing_and_a_statement_compiles_only_its_languages():
    classifier = Classifier.load()
    lexicons = classifier.lexicons
    assert isinstance(lexicons, CompiledLexicons)
    assert lexicons.compiled_languages() == ()
    assert len(lexicons) > 10 and "it" in lexicons and "xx" not in lexicons
    verdict = classifier.classify("Condanniamo l'attacco missilistico contro la città.", "it")
    assert verdict.label == "escalation"
    assert lexicons.compiled_languages() == ("it",)  # no translation: English is not read


def test_lazily_compiled_lexicons_equal_eager_ones():
    categories, lexicons = load_package_data()
    lazy = CompiledLexicons(lexicons, categories)
    for lang, lexicon in lexicons.items():
        assert _regexes(lazy[lang]) == _regexes(CompiledLexicon(lexicon, categories)), lang
    assert lazy.compiled_languages() == tuple(sorted(lexicons))


def test_a_language_without_lexicon_is_a_key_error_as_in_a_dict():
    categories, lexicons = load_package_data()
    with pytest.raises(KeyError):
        CompiledLexicons(lexicons, categories)["xx"]


def test_threads_asking_at_once_share_one_compilation():
    categories, lexicons = load_package_data()
    lazy = CompiledLexicons(lexicons, categories)
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: lazy["en"], range(16)))
    assert all(compiled is found[0] for compiled in found)


@pytest.mark.fresh_classifier
def test_the_model_loads_on_first_use_and_verdicts_match_an_eager_classifier(classifier):
    lazy = Classifier.load()
    assert lazy.blend_parameters == classifier.blend_parameters
    text = "Forces shelled the border villages overnight, killing four civilians."
    assert lazy.classify(text, "en") == classifier.classify(text, "en")

