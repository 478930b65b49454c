"""Lexicon hygiene: every cue entry names where it is seen, and no alternative rests only
on the hand-written machine-translation imitation (`en_mt`).

The alternatives seen in exactly one labelled item are listed (run with `-s`, or
`python tests/classify/lexicon_usage.py --report`) and capped: they are the likeliest
to be fitted to one sentence, so their number may only go down.
"""

import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))

import lexicon_usage as usage

from bot.classify.lexicon import load_package_data

# Seen only in en_mt text, yet ordinary English that real statements and translators
# use ("serious protest", "knocked down", "self-restraint"): kept on purpose. The MT
# calques ("high the fire", "weapon-rest", "lines red", "mouth-breaking reply") went.
NATURAL_ENGLISH = {
    "en.other.visa_waiver",
    "en.restraint.machine_translated",
    "en.dialogue.de_tension",
    "en.ceasefire.machine_translated",
    "en.right.reserve",
    "en.attack.without_provocation",
    "en.shootdown.knocked_down",
    "en.mobilisation.exercises",
    "en.punitive.stopped_trade",
    "en.punitive.visas",
    "en.reject.reject_talks",
    "en.condemn.diplomatic_protest",
    "en.condemn.protest",
    "en.hostility.hostile",
}
# Alternatives seen in exactly one item of the project's sets and nowhere in the UN dev
# split, measured 2026-12-06: 678 (51 of them Korean and Hebrew, whose only labelled text
# was the 18-sentence ko_he set). The English ones were reviewed: mostly standard crisis
# wording ("shahed", "sirens", "cowardly") that UN prose lacks, so they stay. With the
# dev_native batch and the native-rule paraphrases as sources: 656. The fresh dev_native2 and
# dev_native3 batches (all 16 non-English languages) and their paraphrase files, read with the
# unchanged lexicons, moved alternatives seen nowhere before into one item; the rules written
# against those batches each have a second sentence but one: 675 after merging both. The
# evening's rules (2026-12-06) came with invented paraphrases, at least two per new
# alternative; those files also read some older alternatives a second time: 607. The night's
# probe rounds (paraphrases_cls_*: ar/fa/ur/he/tr, es/it/pt/fr/de, ru/uk/zh/ja/ko/hi, en) gave every new alternative
# invented sentences and a second reading to older ones their sentences touched once: 459.
# The intent/denial paraphrases (paraphrases_intent, 16 languages) read older cue words a
# second time, and gave those they read once a second sentence: 446 in a full run of
# tests/classify (445 when this file runs alone: ar.other.prices is counted once more in
# the full session; the 459 above was 458 alone as well). The punitive-measure paraphrases
# (paraphrases_punitive, 16 languages) gave each new alternative two sentences and a second
# reading to three older ones: 426 when this file runs alone.
# The talks families (paraphrases_talks: resumed/halted talks, reopenings, repatriations, 17
# languages) gave each new alternative a second invented sentence, and a second reading to older
# ones their sentences touched once or took over from (a longer new match at the same start): 426.
# The othersense2 paraphrases (trade resumed, other senses) gave two older alternatives a second
# reading: 424. Merged with the posture paraphrases (exercises ended, deployments, threats): 420
# when this file runs alone.
# With the longest match credited at one start (engine2), alternatives that a longer match took
# over from fell to one item (430); the engine2 hygiene paraphrases (paraphrases_engine2, `hyg`)
# gave each a second invented sentence, and one older alternative its second: 415 when this
# file runs alone (414 in a full run of tests/classify).
# From 2026-12-07 the texts also include the later development sets (dev5–dev7,
# incidental3–incidental8, each with its English): with the lexicons unchanged, alternatives
# seen nowhere before moved into one item, 440. The incidental8 rules and their paraphrases
# (paraphrases_othersense5, at least two sentences per new alternative): 439. Their ports
# to it/es/fr/de/ar (paraphrases_othersense5_native) read three older alternatives a second
# time: 436.
# The texts then took in dev8 and incidental9 (with their English) and the incidental9
# paraphrases: with the lexicons of that morning, 448. The incidental9/dev8 rules first added
# 14, each then given a second invented sentence (paraphrases_incidental9): 448.
# dev9 and incidental10 joined the texts (with paraphrases_dev9): 447 with the lexicons before
# their rules, 447 after (each new alternative read by two sentences).
# dev10 and incidental11 joined (with paraphrases_dev10): 448 before their rules, 447 after
# (alternatives first seen by the new sentences given a second one); with incidental12 and
# its paraphrases, 445.
MAX_SINGLE_ITEM = 445


@pytest.fixture(scope="module")
def data():
    compiled = usage.compile_all(*load_package_data())
    texts = usage.project_texts(with_un=True)
    return compiled, texts


@pytest.fixture(scope="module")
def findings(data):
    compiled, texts = data
    project = [text for text in texts if not text.id.startswith("un/")]
    real_mt = [text for text in texts if text.id.startswith("un/")]
    mt_only, single, _ = usage.audit(compiled, project, real_mt)
    return mt_only, single


def test_every_cue_entry_has_an_ex_field():
    for path in sorted(usage.LEXICONS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in data["cues"]:
            for entry in group["entries"]:
                assert "ex" in entry, f"{path.name}: {entry['id']} has no 'ex' field"


def test_every_text_id_names_one_text(data):
    """An example id must name one sentence: two items sharing an id made `ex` point at the wrong one."""
    _, texts = data
    sentences: dict[str, set[str]] = {}
    for text in texts:
        sentences.setdefault(text.id, set()).add(text.text)
    assert [name for name, found in sentences.items() if len(found) > 1] == []


def test_every_example_id_exists_and_the_entry_matches_it(data):
    compiled_lexicons, texts = data
    by_id = {text.id: text for text in texts}
    for compiled in compiled_lexicons.values():
        for entry in compiled.lexicon.cues:
            if not entry.examples:
                continue
            regex = usage.alternative_regex(compiled, entry.pattern)
            for example in entry.examples:
                assert example in by_id, f"{entry.id}: unknown example id {example}"
                folded, _ = compiled.normalise(by_id[example].text)
                assert regex.search(folded), f"{entry.id} does not match its example {example}"


def test_no_alternative_rests_only_on_machine_translation_imitation(findings):
    mt_only, _ = findings
    unexplained = [(f.entry, f.alternative) for f in mt_only if f.entry not in NATURAL_ENGLISH]
    assert not unexplained


def test_single_item_alternatives_are_listed_and_do_not_grow(findings):
    _, single = findings
    for finding in single:
        print("one item:", finding.lang, finding.entry, repr(finding.alternative), finding.items[:2])
    assert len(single) <= MAX_SINGLE_ITEM


def test_the_example_format_is_documented():
    header = (usage.LEXICONS / "en.yaml").read_text(encoding="utf-8").split("\nlang:")[0]
    assert re.search(r"#\s+ex: the ids of", header)
