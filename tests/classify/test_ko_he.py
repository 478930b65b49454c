"""Korean and Hebrew: the script is detected and the statement read natively, so neither
comes back as a confident "neutral" for want of a lexicon."""

import pytest

from bot.language import detect_language
from bot.model import Label

ESC, DE, NEU = Label.ESCALATION, Label.DEESCALATION, Label.NEUTRAL

KOREAN = [
    ("북한군이 새벽에 우리 측 경계초소를 향해 포격을 가했다.", ESC),
    ("적이 추가 도발을 감행할 경우 단호하게 응징할 것이다.", ESC),
    ("국방부는 전방 부대의 경계태세를 격상하고 병력을 증강 배치했다.", ESC),
    ("정부는 대사를 초치해 강력히 항의하고 제재를 발표했다.", ESC),
    ("양측은 군 통신선을 복원하고 고위급 회담을 재개하기로 합의했다.", DE),
    ("우리는 확전을 원하지 않으며 모든 당사자에게 자제를 촉구한다.", DE),
    ("정부는 억류자 석방과 휴전 합의를 환영했다.", DE),
    ("외교부 대변인은 내일 정례 브리핑을 연다고 밝혔다.", NEU),
    ("버스 노조가 임금 협상 결렬로 파업을 예고했다.", NEU),
]

HEBREW = [
    ("חיל האוויר הפציץ הלילה עמדות של חמאס ברצועה.", ESC),
    ("מחבלים פתחו באש לעבר כוח של צה״ל ושני לוחמים נהרגו.", ESC),
    ("ראש הממשלה הזהיר כי האויב ישלם מחיר כבד על כל פגיעה.", ESC),
    ("הקבינט אישר גיוס מילואים נרחב לקראת מבצע בצפון.", ESC),
    ("הצדדים הסכימו על הפוגה הומניטרית ועל חידוש השיחות בקהיר.", DE),
    ("אנו קוראים לכל הצדדים לאיפוק ולפתרון מדיני של המשבר.", DE),
    ("משרד החוץ מברך על עסקת החטופים ועל נסיגת הכוחות.", DE),
    ("הרופאים הכריזו על שביתת אזהרה בבתי החולים.", NEU),
    ("השר ביקר היום בתערוכת ספרים בירושלים.", NEU),
]


@pytest.mark.parametrize(("text", "lang"), [(KOREAN[0][0], "ko"), (HEBREW[0][0], "he")])
def test_hangul_and_hebrew_script_are_detected(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(("text", "label"), KOREAN)
def test_korean_statements_are_read_natively(classifier, text, label):
    assert classifier.classify(text, "ko").label == label


@pytest.mark.parametrize(("text", "label"), HEBREW)
def test_hebrew_statements_are_read_natively(classifier, text, label):
    assert classifier.classify(text, "he").label == label


@pytest.mark.parametrize("lang", ["ko", "he"])
def test_korean_and_hebrew_lexicons_cover_every_side(classifier, lang):
    categories = {entry.category for entry in classifier.lexicons[lang].lexicon.cues}
    for needed in ("threat", "vow_retaliation", "reported_attack", "ceasefire", "talks_mediation", "appeal_restraint"):
        assert needed in categories
    kinds = {modifier.kind for modifier in classifier.lexicons[lang].lexicon.modifiers}
    assert {"negation", "hedge", "clause_break", "context"} <= kinds
