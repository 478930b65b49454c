"""Analyse stage: language → translation → classification of the statements not stored yet.

Detection and classification are CPU work and run batched off the event loop (in a
worker process or thread, see `cpu_stages`); translation is network I/O, per statement. A failed translation leaves
the statement classified on its original text, flagged for `retry_translations`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

from bot import metrics
from bot.classify import Classifier
from bot.classify.engine import capped
from bot.cpu_stages import CpuStages
from bot.language import detect_language
from bot.model import AnalysedStatement, Statement, Translation, Verdict
from bot.storage import statements as statement_store
from bot.storage.db import Database
from bot.storage.sources import SourceAccount
from bot.translate import UNCHANGED, TranslationService


def needs_translation(lang: str) -> bool:
    return lang not in ("en", "und")


def no_translation(lang: str) -> Translation:
    """What stands for the English text when none is asked for: English itself, or nothing."""
    return Translation(None, lang, "en", "identity" if lang == "en" else None)


async def to_english(translator: TranslationService | None, text: str, lang: str) -> Translation:
    """The English translation when one is needed and a translator is given."""
    if translator is None or not needs_translation(lang):
        return no_translation(lang)
    return await translator.translate(text, lang, "en")


def english_for(text: str, translation: Translation) -> str | None:
    """The English to classify: the translation, or the text itself when the translator gave
    it back unchanged (it already reads as English)."""
    return text if translation.provider == UNCHANGED else translation.text


async def translate_and_classify(
    translator: TranslationService | None, classifier: Classifier, text: str, lang: str
) -> tuple[Translation, Verdict]:
    """English first when a translator is given (richest lexicon), the original always."""
    translation = await to_english(translator, text, lang)
    verdict = await asyncio.to_thread(classifier.classify, text, lang, english_for(text, translation))
    return translation, verdict


def detect_all(texts: Sequence[str], hints: Sequence[str]) -> list[str]:
    """The language of each text (one call per batch: one hop to a worker, not one per text)."""
    return [detect_language(text, hints) for text in texts]


def classification_text(title: str, text: str) -> str:
    """What is language-detected, translated and classified: the headline (when it adds words)
    and the text, cut where the classifier stops reading. The stored text stays whole; a 5 MB
    item must not cost seconds of detection or a thousand translation requests."""
    return capped(f"{title}\n{text}" if title else text)


class Analyser:
    """The analyse stage with its long-lived pieces: database (what is new), translator, classifier."""

    def __init__(self, db: Database, translator: TranslationService | None, cpu: CpuStages) -> None:
        self.db, self.translator, self.cpu = db, translator, cpu
        # a statement left untranslated is pending (retried) when the chain has a translator;
        # `none` in a chain (`google,none`) adds none and takes none away
        self.translating = translator is not None and translator.enabled

    async def analyse_new(self, account: SourceAccount, statements: Sequence[Statement]) -> list[AnalysedStatement]:
        """Language → translation → classification, for the statements not stored yet.

        Detection and classification run batched in one worker thread each (CPU work off
        the event loop without a thread hop per statement); translation is network I/O.
        """
        fresh_keys = await asyncio.to_thread(
            statement_store.unseen, self.db, [(s.key, s.account_id, s.content_hash) for s in statements]
        )
        fresh = [statement for statement in statements if statement.key in fresh_keys]
        if not fresh:
            return []
        texts = [classification_text(s.title, s.text) for s in fresh]
        langs = await self.cpu.run(detect_all, texts, account.languages)
        return await self._analyse_batch([replace(s, lang=lang) for s, lang in zip(fresh, langs, strict=True)], texts)

    async def analyse(self, statement: Statement, text: str) -> AnalysedStatement:
        """One statement whose language is already known (its `lang`)."""
        return (await self._analyse_batch([statement], [text]))[0]

    async def _analyse_batch(self, statements: Sequence[Statement], texts: Sequence[str]) -> list[AnalysedStatement]:
        """Translation (network I/O, per statement) then classification (one worker thread)."""
        langs = [statement.lang for statement in statements]
        translations = [await to_english(self.translator, text, lang) for text, lang in zip(texts, langs, strict=True)]
        verdicts = await self.cpu.classify(
            [
                (text, lang, english_for(text, translation))
                for text, lang, translation in zip(texts, langs, translations, strict=True)
            ]
        )
        analysed = []
        for statement, translation, verdict in zip(statements, translations, verdicts, strict=True):
            metrics.count_statement(verdict, statement.lang)
            unread = translation.text is None and translation.provider != UNCHANGED
            failed = self.translating and unread and needs_translation(statement.lang)
            analysed.append(AnalysedStatement(statement, translation.text, failed, verdict))
        return analysed
