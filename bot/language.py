"""Language identification for short official posts.

langdetect alone is unreliable on one-line posts and blind to the letters that tell
related scripts apart, so the Unicode script decides first (Han, kana, Hangul,
Devanagari, Hebrew, Greek…), distinctive letters split Arabic / Persian / Urdu and
Russian / Ukrainian. Within Latin script (and Devanagari) the function words decide
when they are certain — official prose is a quarter function words, and this costs a
few microseconds where langdetect costs a millisecond; only what stays uncertain (short
posts, languages without a word list) goes to langdetect (seeded, so the answer is
stable), nudged by the same function words and the account's language hints.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from langdetect import DetectorFactory, detect_langs
from langdetect.detector_factory import init_factory
from langdetect.lang_detect_exception import LangDetectException

from bot.heap import collector_paused

DetectorFactory.seed = 0

UNDETERMINED = "und"

# What `detect_language` can answer, so what a language hint may name: langdetect's profiles
# (its zh-cn and zh-tw as zh) and the scripts read here (Armenian, Georgian).
_KNOWN_CODES = (
    "af ar bg bn ca cs cy da de el en es et fa fi fr gu he hi hr hu hy id it ja ka kn ko lt lv mk ml mr ne nl no "
    "pa pl pt ro ru sk sl so sq sv sw ta te th tl tr uk ur vi zh"
)
KNOWN_LANGUAGES = frozenset(_KNOWN_CODES.split())


def language_hint(value: str) -> str | None:
    """`value` as a hint `detect_language` reads (`it-IT` → `it`); None when it names no
    language detection knows (`xx`, `english`)."""
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in KNOWN_LANGUAGES else None


def unknown_language(value: str) -> str:
    """Why `value` is no language hint, naming the codes that are."""
    return f"{value[:40]!r} is not a language code (ISO 639-1) that detection knows; use one of " + ", ".join(
        sorted(KNOWN_LANGUAGES)
    )


# langdetect codes that are not plain ISO 639-1.
_LANGDETECT_TO_ISO = {"zh-cn": "zh", "zh-tw": "zh"}
# Languages never written in Latin letters: a hint for one of them says nothing about
# a Latin-script post (an Urdu-speaking ministry posting in English).
_NON_LATIN_CODES = "ar fa ur ps hi mr ne bn pa gu ta te kn ml zh ja ko ru uk bg mk be el he th hy ka"
_NON_LATIN_LANGUAGES = frozenset(_NON_LATIN_CODES.split())

_URDU_LETTERS = frozenset("ٹڈڑںےۓہۃھ۔")
_PERSIAN_LETTERS = frozenset("پچژگکی")
_ARABIC_LETTERS = frozenset("يكةىإأؤئ")
_UKRAINIAN_LETTERS = frozenset("іїєґ")
_RUSSIAN_LETTERS = frozenset("ыэъё")

# Frequent function words that langdetect's character n-grams miss in very short posts.
_FUNCTION_WORDS_TEXT: dict[str, str] = {
    "en": "the of and to is are we our will with for on this that as be by from has have was were been which",
    "it": "il lo gli della delle degli che per con non è una sono del nel alla di e i dei ha anche la le l dell "
    "nella o",
    "fr": "le les des du est une nous avec pour dans sur qui pas au aux de la et l d à ses son sa été",
    "de": "der die das und ist nicht mit für den dem wir ein eine auf zu des sich im von",
    "es": "el los las del que por con una para es en se su al y de la sus ha como más lo mi todo tras está o un "
    "unos muy fue",
    "pt": "o os as do da dos das que com uma para não em ao é no na de e pela pelo seu sua foi",
    "tr": "ve bir bu ile için da de olarak olan çok ne gibi ise daha ancak her tüm sonra üzere",
    "nl": "de het een van en is niet met voor op dat zijn",
}
_FUNCTION_WORDS = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS_TEXT.items()}
# Devanagari: Hindi, Marathi and Nepali share the script; each has words the others lack.
_DEVANAGARI_FUNCTION_WORDS_TEXT: dict[str, str] = {
    "hi": "है हैं था थे थी में और से को ने पर यह कि भी लिए",
    "mr": "आहे आहेत आणि या व च्या ची चा ला मध्ये हे",
    "ne": "छ छन् र मा ले लाई गर्न भएको",
}


def _languages_of_word(vocabularies: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Each function word → the languages that use it (a word can vote for several)."""
    found: dict[str, tuple[str, ...]] = {}
    for lang, words in vocabularies.items():
        for word in words.split():
            found[word] = (*found.get(word, ()), lang)
    return found


_LATIN_LANGUAGES_OF_WORD = _languages_of_word(_FUNCTION_WORDS_TEXT)
_DEVANAGARI_LANGUAGES_OF_WORD = _languages_of_word(_DEVANAGARI_FUNCTION_WORDS_TEXT)
_CERTAIN_VOTES = 3
_CERTAIN_SHARE = 0.15
_CERTAIN_MARGIN = 2.0
_WORD_RE = re.compile(r"[^\W\d_]+")
# Devanagari vowel signs are combining marks, not \w: a word is a run of the block's letters
# and signs (the danda and digits excluded).
_DEVANAGARI_WORD_RE = re.compile(r"[\u0900-\u0963\u0971-\u097f]+")
# Links, @handles and e-mail addresses say nothing about the language of a post.
_NOT_LANGUAGE = re.compile(r"https?://\S*|www\.\S+|\S+@\S+|@\w+")


@lru_cache(maxsize=65_536)
def _letter_script(char: str) -> str | None:
    """Coarse script name of a letter, from its Unicode name; None for anything else (cached:
    texts reuse few characters)."""
    if not char.isalpha():
        return None
    try:
        name = unicodedata.name(char)
    except ValueError:
        return None
    return name.split(" ", 1)[0]


def _script_counts(text: str) -> Counter[str]:
    """Letters per script, scripts in the order their first letter appears (ties go to the first)."""
    scripts: Counter[str] = Counter()
    for char, count in Counter(text).items():  # each distinct character once: a text reuses few
        if (script := _letter_script(char)) is not None:
            scripts[script] += count
    return scripts


def _occurrences(text: str, letters: Iterable[str]) -> int:
    """How many characters of `text` are one of `letters` (distinct single characters):
    one C scan per letter instead of a Python step per character."""
    return sum(text.count(letter) for letter in letters)


def _arabic_script_language(text: str, hints: Sequence[str]) -> str:
    """Urdu, Persian or Arabic from the letters each one alone uses.

    Urdu has retroflex letters and its own he/ye forms; Persian has پ چ ژ گ and writes
    ی/ک where Arabic writes ي/ك; Arabic has ة and ى. Some Arabic from Persian keyboards
    uses ی/ک, so ة and the Arabic-only forms outweigh them.
    """
    urdu = _occurrences(text, _URDU_LETTERS)
    persian_only = _occurrences(text, "پچژگ")
    persian_forms = _occurrences(text, "یک")
    arabic = _occurrences(text, _ARABIC_LETTERS)
    if urdu >= 2 or (urdu and not persian_only):
        return "ur"
    if 2 * persian_only + persian_forms > 2 * arabic:
        return "ur" if "ur" in hints and "fa" not in hints else "fa"
    if arabic:
        return "ar"
    for hint in hints:
        if hint in ("ar", "fa", "ur"):
            return hint
    return "ar"


def _cyrillic_language(text: str, hints: Sequence[str]) -> str:
    lowered = text.lower()
    ukrainian = _occurrences(lowered, _UKRAINIAN_LETTERS)
    russian = _occurrences(lowered, _RUSSIAN_LETTERS)
    if ukrainian > russian:
        return "uk"
    if russian:
        return "ru"
    guess = _langdetect_best(text, hints)
    return guess if guess in ("bg", "mk", "uk", "ru") else "ru"


def _function_word_votes(text: str) -> Counter[str]:
    words = _WORD_RE.findall(text.lower())
    votes: Counter[str] = Counter()
    for lang, vocabulary in _FUNCTION_WORDS.items():
        votes[lang] = sum(word in vocabulary for word in words)
    return votes


def _certain_by_function_words(
    words: list[str], languages_of_word: dict[str, tuple[str, ...]], min_share: float = _CERTAIN_SHARE
) -> str | None:
    """The language whose function words clearly dominate, or None when that is not certain.

    Certain means: at least `_CERTAIN_VOTES` votes, at least `min_share` of all the
    words, and `_CERTAIN_MARGIN` times the runner-up's votes (a word several languages
    use splits its vote). Official prose passes easily (a quarter or more of its words
    are function words); short posts and languages without a list here do not, and go
    to langdetect.
    """
    votes: Counter[str] = Counter()
    for word in words:
        shared_by = languages_of_word.get(word, ())
        for lang in shared_by:
            votes[lang] += 1 / len(shared_by)
    if not votes:
        return None
    (best, top), (_, runner_up) = [*votes.most_common(2), ("", 0.0)][:2]
    if top >= _CERTAIN_VOTES and top >= min_share * len(words) and top >= _CERTAIN_MARGIN * runner_up:
        return best
    return None


def _certain_latin(text: str) -> str | None:
    """Turkish by its own letters (ı ş ğ, common enough to be more than a quoted name),
    else the function-word vote; None when neither is certain."""
    lowered = text.lower()
    turkish = _occurrences(lowered, "ışğ")
    if turkish >= 3 and turkish >= 0.02 * sum(char.isalpha() for char in lowered) and "ə" not in lowered:
        return "tr"
    return _certain_by_function_words(_WORD_RE.findall(lowered), _LATIN_LANGUAGES_OF_WORD)


_LANGDETECT_LOCK = threading.Lock()
_profiles_loaded = False


def _load_profiles() -> None:
    """langdetect's 55 profiles (a quarter of a million objects), read with the collector paused."""
    global _profiles_loaded
    with collector_paused():
        init_factory()
    _profiles_loaded = True


@lru_cache(maxsize=4096)
def _langdetect_probabilities(text: str) -> tuple[tuple[str, float], ...]:
    """langdetect's seeded random state is shared: concurrent threads would change results."""
    try:
        with _LANGDETECT_LOCK:
            if not _profiles_loaded:
                _load_profiles()
            found = detect_langs(text)
    except LangDetectException:
        return ()
    return tuple((_LANGDETECT_TO_ISO.get(item.lang, item.lang), item.prob) for item in found)


def _langdetect_best(text: str, hints: Sequence[str]) -> str:
    """langdetect's probabilities plus function-word votes plus a bonus for hints.

    The hint bonus grows as the text shrinks: on a one-word post langdetect is a guess,
    and the account's own language is the better one.
    """
    scores: Counter[str] = Counter(dict(_langdetect_probabilities(text)))
    votes = _function_word_votes(text)
    total_votes = sum(votes.values())
    if total_votes:
        for lang, count in votes.items():
            scores[lang] += 0.8 * count / total_votes
    letters = sum(char.isalpha() for char in text)
    hint_bonus = 0.25 + max(0.0, 1.0 - letters / 40)
    for hint in hints:
        if hint not in _NON_LATIN_LANGUAGES:
            scores[hint] += hint_bonus
    if not scores:
        return UNDETERMINED
    return scores.most_common(1)[0][0]


_SCRIPT_LANGUAGE = {
    "DEVANAGARI": "hi",
    "HANGUL": "ko",
    "HEBREW": "he",
    "GREEK": "el",
    "THAI": "th",
    "ARMENIAN": "hy",
    "GEORGIAN": "ka",
    "BENGALI": "bn",
    "TAMIL": "ta",
    "GURMUKHI": "pa",
    "GUJARATI": "gu",
}


def detect_language(text: str, hints: Sequence[str] = ()) -> str:
    """ISO 639-1 code of `text` ('zh', not 'zh-cn'), or 'und' when it has no letters.

    `hints` are the account's languages from the watchlist; they break near-ties only.
    """
    hints = tuple(hint.lower().split("-")[0] for hint in hints)
    text = _NOT_LANGUAGE.sub(" ", text)
    scripts = _script_counts(text)
    if not scripts:
        return UNDETERMINED
    script, _ = scripts.most_common(1)[0]
    if script in ("CJK", "HIRAGANA", "KATAKANA"):
        return "ja" if scripts["HIRAGANA"] + scripts["KATAKANA"] else "zh"
    if script == "ARABIC":
        return _arabic_script_language(text, hints)
    if script == "CYRILLIC":
        return _cyrillic_language(text, hints)
    if script == "DEVANAGARI":
        words = _DEVANAGARI_WORD_RE.findall(text)
        certain = _certain_by_function_words(words, _DEVANAGARI_LANGUAGES_OF_WORD, min_share=0.0)
        guess = certain or _langdetect_best(text, hints)
        return guess if guess in ("hi", "mr", "ne") else "hi"
    if script in _SCRIPT_LANGUAGE:
        return _SCRIPT_LANGUAGE[script]
    return _certain_latin(text) or _langdetect_best(text, hints)
