"""Classification stage: statement text (+ English translation) → Verdict.

English carries the richest lexicon, so a translation is read with it; the original is
read with its own language's lexicon too, so the verdict survives when no translator
answers. The two readings combine side by side (see `scoring.combine_totals`).

A learned reading (`learned.py`, English, Spanish, Arabic and any English translation)
then blends in where the rules have no specific act (see `blend.py`); a text in a
language with no lexicon and no translation is not read at all: the verdict abstains.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from bot.classify.blend import BlendParameters, blend, rules_decide
from bot.classify.engine import CompiledLexicon, Hit, Scan, capped
from bot.classify.lazy import CompiledLexicons, PackagedModel
from bot.classify.learned import MODEL_LANGUAGES, LinearModel, Reading
from bot.classify.lexicon import (
    DEESCALATION,
    ESCALATION,
    CategorySet,
    LexiconError,
    Tuning,
    load_package_data,
)
from bot.classify.scoring import SideTotals, combine_totals, side_label, side_totals
from bot.heap import collector_paused
from bot.model import Cue, Label, Verdict

__all__ = ["Classifier", "LexiconError"]

ENGLISH = "en"
UNDETERMINED = "und"
# A verdict justifies itself with at most this many cues (long texts can match hundreds).
MAX_CUES = 12
# The scan of a text that is not there (no lexicon for its language, no translation).
_NO_SCAN = Scan([], frozenset())
# The act an explicit "no intention of attacking" states as not intended.
_STATED_ACT = "reported_attack"
# A cue left with at most this share of its weight was discounted by a context, a
# condition or a topic: the learned reading may not take that side on its own.
DISCOUNTED = 0.5


@dataclass(frozen=True)
class RulesReading:
    totals: SideTotals
    cues: tuple[Cue, ...]
    # Sides whose words the scope rules set aside (damped by a context or a condition, or
    # hidden by an other-sense phrase) and that the rules do not reach on their own.
    discounted: frozenset[str]


class Classifier:
    """Holds the lexicons (compiled per language on first use) and the learned model (read on
    first use, see `lazy.py`); `classify` is pure and thread-safe."""

    def __init__(
        self,
        categories: CategorySet,
        lexicons: Mapping[str, CompiledLexicon],
        model: LinearModel | PackagedModel | None = None,
        blend_parameters: BlendParameters | None = None,
    ) -> None:
        self.categories = categories
        self.lexicons = lexicons
        self._model = model
        self._blend_parameters = blend_parameters

    @classmethod
    def load(cls, learned: bool = True) -> Classifier:
        """Load and validate the package's categories and lexicons (raises LexiconError); the
        lexicons compile and the model loads when first needed. Each pattern is compiled alone
        only if its lexicon's compilation fails (see `lexicon.check_regexes`).

        `learned=False` gives the rules alone (used to measure what the model adds).
        """
        with collector_paused():
            categories, lexicons = load_package_data(regexes=False)
        if ENGLISH not in lexicons:
            raise LexiconError("bot/classify/lexicons: the English lexicon (en.yaml) is missing")
        return cls(categories, CompiledLexicons(lexicons, categories), PackagedModel() if learned else None)

    @property
    def model(self) -> LinearModel | None:
        if isinstance(self._model, PackagedModel):
            return self._model.get()[0]
        return self._model

    @property
    def blend_parameters(self) -> BlendParameters | None:
        if isinstance(self._model, PackagedModel):
            return self._model.get()[1]
        return self._blend_parameters

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.lexicons))

    def classify(self, text: str, lang: str, english: str | None = None) -> Verdict:
        """Verdict for `text` in `lang`, using `english` (a translation) when available."""
        lang = lang.lower().split("-")[0] if lang else UNDETERMINED
        if english is None and lang not in self.lexicons and lang not in (ENGLISH, UNDETERMINED):
            return Verdict(
                label=Label.NEUTRAL,
                score=0.0,
                confidence=0.0,
                mixed=False,
                abstained=True,
                reason=f"no lexicon for language '{lang}' and no English translation: the text was not read",
            )
        rules = self.read_rules(text, lang, english)
        reading = self.read_model(text, lang, english) if self._model_may_count(rules, text, lang, english) else None
        return self._verdict(rules, reading)

    def _model_may_count(self, rules: RulesReading, text: str, lang: str, english: str | None) -> bool:
        """Whether the blend could use a learned reading: the rules often decide alone (a
        specific act, a long text), and reading is a third of classifying.

        A reading reports the words of the longest text it read (a text with no known
        feature gives none), so the model counts only if some text it would read is short.
        """
        parameters = self.blend_parameters
        texts = self._model_texts(text, lang, english)
        if parameters is None or not texts:
            return False
        fewest = min(len(capped(text).split()) for text, _ in texts)
        return not rules_decide(rules.totals, fewest, parameters, rules.discounted)

    def read_rules(self, text: str, lang: str, english: str | None) -> RulesReading:
        """The lexicons' evidence for each side, the cues behind it, and the sides they discounted."""
        tuning = self.categories.tuning
        if lang == ENGLISH or (english is None and lang not in self.lexicons):
            scan = self.lexicons[ENGLISH].scan(text)
            totals = side_totals(scan.hits, tuning)
            cues = self._cues(scan.hits, lang if lang != "und" else ENGLISH, native=False)
            all_hits, hidden, elsewhere = scan.hits, scan.hidden, scan.elsewhere
        else:
            native_scan = self.lexicons[lang].scan(text) if lang in self.lexicons else _NO_SCAN
            english_scan = self.lexicons[ENGLISH].scan(english) if english else _NO_SCAN
            if english:
                native_scan = Scan(_trusted(native_scan.hits, english_scan, tuning), native_scan.hidden)
            native = side_totals(native_scan.hits, tuning)
            if english_scan.hits or english_scan.hidden:
                translated = side_totals(english_scan.hits, tuning)
                totals = combine_totals(native.scaled(tuning.native_factor), translated, tuning.corroboration)
            else:
                totals = native
            cues = self._cues(native_scan.hits, lang, native=True)
            cues += self._cues(english_scan.hits, ENGLISH, native=False)
            all_hits, hidden = native_scan.hits + english_scan.hits, native_scan.hidden | english_scan.hidden
            elsewhere = native_scan.elsewhere or english_scan.elsewhere
        discounted = _discounted_sides(all_hits)
        if (hidden or discounted) and all(_discounted(hit) for hit in all_hits):
            # every conflict word of the text was read in another sense ("a peacekeeping
            # training course for police officers") or set aside: the model may take no side
            hidden = frozenset({ESCALATION, DEESCALATION})
        elif elsewhere and not all_hits:
            # no conflict word at all, and the text talks about a fire or a flood: the model
            # may not find a war in it ("air force helicopters dropped water on the fires")
            hidden = hidden | {ESCALATION}
        # A side the rules reach on their own is theirs to give, damped words or not.
        carried = side_label(totals, tuning.neutral_threshold)
        set_aside = discounted | hidden
        return RulesReading(totals, cues, set_aside - {carried} if carried else set_aside)

    def read_model(self, text: str, lang: str, english: str | None) -> Reading | None:
        """The learned reading of the text (if in a model language) and of its translation, averaged."""
        model = self.model
        if model is None:
            return None
        texts = self._model_texts(text, lang, english)
        # The same cap as the rules: a text that long is past the blend's word limit anyway,
        # and hashing every n-gram of megabytes would take seconds.
        readings = [(reading, lang) for text, lang in texts if (reading := model.read(capped(text))) is not None]
        if not readings:
            return None
        averaged = {
            name: sum(reading.probabilities[name] for reading, _ in readings) / len(readings)
            for name in model.labels
        }
        # The phrases shown are those of the last reading (the translation, when there is one).
        last, last_lang = readings[-1]
        evidence = last.evidence if last.label == max(averaged, key=lambda name: averaged[name]) else ()
        return Reading(averaged, evidence, last_lang, max(reading.words for reading, _ in readings))

    @staticmethod
    def _model_texts(text: str, lang: str, english: str | None) -> list[tuple[str, str]]:
        """What the learned reading reads: the text if in a model language, and its translation."""
        texts = [(text, lang)] if lang in MODEL_LANGUAGES else []
        if english is not None and lang != ENGLISH:
            texts.append((english, ENGLISH))
        return texts

    def _cues(self, hits: list[Hit], lang: str, native: bool) -> tuple[Cue, ...]:
        return tuple(
            Cue(
                text=hit.text,
                lang=lang,
                weight=round(hit.weight, 2),
                category=hit.category,
                english=hit.entry.english if native else None,
            )
            for hit in hits
        )

    def _verdict(self, rules: RulesReading, reading: Reading | None) -> Verdict:
        tuning = self.categories.tuning
        totals, cues = rules.totals, rules.cues
        side = side_label(totals, tuning.neutral_threshold)
        net = totals.escalation - totals.deescalation
        score = math.tanh(net / tuning.score_scale)
        if side is None:
            label = Label.NEUTRAL
            evidence = tuning.neutral_threshold - totals.peak
            mixed = False
        else:
            label = Label.ESCALATION if side == ESCALATION else Label.DEESCALATION
            evidence = abs(net)
            mixed = min(totals.escalation, totals.deescalation) >= tuning.mixed_threshold
        confidence = 1.0 / (1.0 + math.exp(-(tuning.confidence_slope * evidence + tuning.confidence_offset)))
        ordered = _strongest_distinct(cues)
        parameters = self.blend_parameters
        if reading is not None and parameters is not None:
            blended = blend(totals, reading, parameters, rules.discounted)
            if blended is not None:
                # The rules' score stays when they reach the same label; otherwise the blend's.
                score = score if blended.label == label else blended.score
                label, confidence = blended.label, blended.confidence
                mixed = mixed and label != Label.NEUTRAL
                ordered = (*ordered[: MAX_CUES - len(blended.cues)], *blended.cues)
        return Verdict(
            label=label,
            score=round(score, 3),
            confidence=round(confidence, 3),
            mixed=mixed,
            cues=ordered,
        )


def _trusted(native: list[Hit], english: Scan, tuning: Tuning) -> list[Hit]:
    """The native hits that may count beside the translation's reading.

    Not a side whose every word the translation reads in another sense (a sanctions
    committee, ransomware attacks as a conference topic): the English lexicon knows the most
    other senses. Not a native negation the translation contradicts ("대가를 치르게" read as
    not paying the price, where the translation reads a threat); and not a native act the
    translation states as not intended ("no intention of attacking": attaque, saldırı).
    """
    aside = english.hidden - {_side(hit) for hit in english.hits}
    turned = {other.entry.category for other in english.hits if other.category != other.entry.category}
    if any(other.entry.category == tuning.negated_escalation[0] for other in english.hits):
        turned.add(_STATED_ACT)
    kept = {other.category for other in english.hits if other.category == other.entry.category}
    not_intended = turned - kept

    def trusted(hit: Hit) -> bool:
        side = _side(hit)
        if side in aside:
            return False
        if hit.category != hit.entry.category:
            return not any(_side(other) != side and other.category == other.entry.category for other in english.hits)
        return hit.category not in not_intended

    return [hit for hit in native if trusted(hit)]


def _side(hit: Hit) -> str:
    """The side a hit counts for (a voided one, on its cue's own side)."""
    return ESCALATION if (hit.weight or hit.entry.weight) > 0 else DEESCALATION


def _discounted(hit: Hit) -> bool:
    return hit.category == hit.entry.category and abs(hit.weight) <= DISCOUNTED * abs(hit.entry.weight)


def _discounted_sides(hits: list[Hit]) -> frozenset[str]:
    """Sides of cues that the scope rules cut to at most DISCOUNTED of their weight (a chess
    "attack", an "if they attack"): the rules read those words and set them aside."""
    # a voided cue (a denied attack, "not illegal") sets both sides aside: a denial is
    # neither the act nor a step back
    aside: set[str] = set()
    for hit in hits:
        if _discounted(hit):
            aside |= {ESCALATION, DEESCALATION} if hit.weight == 0 else {_side(hit)}
    return frozenset(aside)


def _strongest_distinct(cues: tuple[Cue, ...]) -> tuple[Cue, ...]:
    """Cues strongest first, one per (phrase, language, category), at most MAX_CUES."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for cue in sorted(cues, key=lambda cue: -abs(cue.weight)):
        key = (cue.text.casefold(), cue.lang, cue.category)
        if key not in seen:
            seen.add(key)
            kept.append(cue)
    return tuple(kept[:MAX_CUES])
