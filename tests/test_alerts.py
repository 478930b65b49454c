"""Alert selection: pure rules first, then queuing into a real SQLite outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.alerts import queue_alerts, select_alerts, wants
from bot.storage import chats as chat_store
from bot.storage import subscriptions as subscription_store
from bot.storage.chats import ChatAudience, ChatSettings
from bot.storage.outbox import AlertCandidate
from bot.storage.subscriptions import (
    ACCOUNT,
    ADDED,
    ALL,
    ALREADY,
    COUNTRY,
    EXCEPT_ACCOUNT,
    EXCEPT_COUNTRY,
    EXCEPTED,
    NOT_FOLLOWED,
    REMOVED,
    RESTORED,
    Subscription,
)
from bot.storage.tables import OutboxRow
from tests.tg.factories import NOW, add_account, add_chat, add_source, add_statement, make_db

EARLIER = NOW - timedelta(hours=1)


def chat(**changes: object) -> ChatSettings:
    base = ChatSettings(
        id=1,
        type="private",
        title="",
        language="en",
        timezone="UTC",
        digest_time="08:00",
        muted=False,
        active=True,
        send_failures=0,
        labels=frozenset({"escalation", "de-escalation"}),
        min_strength=0.0,
        accounts=frozenset(),
        languages=frozenset(),
        subscribed_at=EARLIER,
        last_digest_on=None,
    )
    return replace(base, **changes)


def audience(
    subscriptions: tuple[Subscription, ...] = (Subscription(ALL, "", EARLIER),), **changes: object
) -> ChatAudience:
    return ChatAudience(chat(**changes), subscriptions)


def statement(**changes: object) -> AlertCandidate:
    base = AlertCandidate(
        id=7,
        account_id="tajani",
        country="IT",
        lang="it",
        label="escalation",
        score=0.7,
        published_at=NOW,
        arrived_at=NOW,
        is_repost=False,
    )
    return replace(base, **changes)


def test_a_subscribed_chat_wants_a_new_escalation():
    assert wants(audience(), statement())


def test_neutral_statements_are_off_by_default_and_can_be_turned_on():
    assert not wants(audience(), statement(label="neutral"))
    assert wants(audience(labels=frozenset({"neutral"})), statement(label="neutral"))


def test_statements_older_than_the_subscription_are_not_alerted():
    assert not wants(audience(subscribed_at=NOW + timedelta(seconds=1)), statement())
    late_subscription = (Subscription(ALL, "", NOW + timedelta(minutes=1)),)
    assert not wants(audience(late_subscription), statement())


def test_a_back_dated_statement_that_arrives_after_the_subscription_is_alerted():
    assert wants(audience(), statement(published_at=NOW - timedelta(days=400)))
    assert not wants(audience(), statement(arrived_at=EARLIER - timedelta(seconds=1)))


def test_reposts_muted_and_inactive_chats_are_skipped():
    assert not wants(audience(), statement(is_repost=True))
    assert not wants(audience(muted=True), statement())
    assert not wants(audience(active=False), statement())


def test_account_and_country_subscriptions_cover_only_their_statements():
    by_account = (Subscription(ACCOUNT, "rubio", EARLIER),)
    by_country = (Subscription(COUNTRY, "IT", EARLIER),)
    assert not wants(audience(by_account), statement())
    assert wants(audience(by_account), statement(account_id="rubio", country="US"))
    assert wants(audience(by_country), statement())
    assert not wants(audience(by_country), statement(country="PK"))


def test_minimum_strength_accounts_and_languages_filter():
    assert not wants(audience(min_strength=0.8), statement(score=0.7))
    assert wants(audience(min_strength=0.6), statement(score=-0.7, label="de-escalation"))
    assert not wants(audience(accounts=frozenset({"rubio"})), statement())
    assert wants(audience(languages=frozenset({"it"})), statement(lang="it"))
    assert not wants(audience(languages=frozenset({"en"})), statement(lang="it"))
    assert wants(audience(languages=frozenset({"zh"})), statement(lang="zh-cn"))


def test_selection_orders_statements_oldest_first():
    older = statement(id=9, published_at=NOW - timedelta(minutes=5))
    pairs = select_alerts([statement(id=8), older], [audience(), audience(id=2)])
    assert pairs == [(1, 9), (2, 9), (1, 8), (2, 8)]


def test_queue_alerts_writes_one_row_per_chat_and_statement_once(tmp_path):
    db = make_db(tmp_path)
    add_account(db)
    add_chat(db, 1001, subscribed_at=EARLIER)
    add_chat(db, 1002, subscribed_at=EARLIER, kind=COUNTRY, target="PK")
    add_chat(db, 1003, subscribed_at=NOW + timedelta(hours=1))
    new = add_statement(db, "We reserve the right to respond.")
    backlog = add_statement(db, "Old threat.", published=EARLIER - timedelta(days=1))
    neutral = add_statement(db, "Trade talks on tourism.", label="neutral", score=0.0)
    assert queue_alerts(db, [new, backlog, neutral], NOW) == 1
    assert queue_alerts(db, [new], NOW) == 0
    with db.session() as session:
        rows = session.execute(select(OutboxRow.chat_id, OutboxRow.statement_id, OutboxRow.status)).all()
    assert [tuple(r) for r in rows] == [(1001, new, "pending")]


def test_muting_drops_pending_alerts_and_unmuting_starts_from_now(tmp_path):
    db = make_db(tmp_path)
    add_account(db)
    add_chat(db, 1001, subscribed_at=EARLIER)
    queue_alerts(db, [add_statement(db, "We reserve the right to respond.")], NOW)
    chat_store.set_muted(db, 1001, True, NOW)
    assert queue_alerts(db, [add_statement(db, "Another threat.", published=NOW + timedelta(minutes=1))], NOW) == 0
    unmuted = chat_store.set_muted(db, 1001, False, NOW + timedelta(minutes=2))
    assert unmuted.subscribed_at == NOW + timedelta(minutes=2)
    with db.session() as session:
        statuses = session.scalars(select(OutboxRow.status)).all()
    assert statuses == ["failed"]


def test_a_new_sources_first_fetch_alerts_only_what_is_newer_than_the_account(tmp_path):
    db = make_db(tmp_path)
    add_account(db)  # loaded at NOW
    add_chat(db, 1001, subscribed_at=EARLIER - timedelta(days=30))
    first = add_source(db)
    week_old = add_statement(db, "Last week's threat.", published=NOW - timedelta(days=7), source_id=first)
    undated = add_statement(
        db, "Undated threat.", published=NOW + timedelta(minutes=1), source_id=first, estimated=True
    )
    fresh = add_statement(
        db, "A threat published after loading.", published=NOW + timedelta(minutes=2), source_id=first
    )
    assert queue_alerts(db, [week_old, undated, fresh], NOW) == 1
    polled = add_source(db, polled_before=True)
    later_undated = add_statement(
        db, "Later undated.", published=NOW + timedelta(minutes=3), source_id=polled, estimated=True
    )
    assert queue_alerts(db, [later_undated], NOW) == 1
    with db.session() as session:
        assert session.scalars(select(OutboxRow.statement_id)).all() == [fresh, later_undated]


# --- exceptions to `all` --------------------------------------------------------------


def test_an_account_left_out_of_all_is_not_alerted_but_the_others_are():
    left_out = (Subscription(ALL, "", EARLIER), Subscription(EXCEPT_ACCOUNT, "tajani", NOW))
    assert not wants(audience(left_out), statement())
    assert wants(audience(left_out), statement(account_id="rubio", country="US"))


def test_the_most_specific_subscription_decides():
    all_but_italy = (Subscription(ALL, "", EARLIER), Subscription(EXCEPT_COUNTRY, "IT", EARLIER))
    assert not wants(audience(all_but_italy), statement())
    tajani_back = (*all_but_italy, Subscription(ACCOUNT, "tajani", EARLIER))
    assert wants(audience(tajani_back), statement())
    assert not wants(audience(tajani_back), statement(account_id="meloni"))


def test_unsubscribing_an_account_under_all_stores_an_exception_that_subscribe_lifts(tmp_path):
    db = make_db(tmp_path)
    add_account(db)
    add_account(db, "rubio", "Marco Rubio", "US Secretary of State", "US")
    add_chat(db, 1001, subscribed_at=EARLIER)
    assert subscription_store.subscribe(db, 1001, ACCOUNT, "tajani", NOW) == ALREADY  # all covers him
    assert subscription_store.unsubscribe(db, 1001, ACCOUNT, "tajani", NOW) == EXCEPTED
    assert subscription_store.unsubscribe(db, 1001, ACCOUNT, "tajani", NOW) == NOT_FOLLOWED
    assert chat_store.chat_account_ids(db, 1001) == {"rubio"}
    assert [c.id for c in chat_store.digest_chats(db)] == [1001]
    assert queue_alerts(db, [add_statement(db, "We reserve the right to respond.")], NOW) == 0
    assert subscription_store.subscribe(db, 1001, ACCOUNT, "tajani", NOW) == RESTORED
    assert chat_store.chat_account_ids(db, 1001) is None
    assert queue_alerts(db, [add_statement(db, "We will retaliate.", published=NOW)], NOW) == 1


def test_a_country_can_be_left_out_of_all_and_one_of_its_accounts_brought_back(tmp_path):
    db = make_db(tmp_path)
    add_account(db)
    add_account(db, "meloni", "Giorgia Meloni", "Prime Minister of Italy", "IT")
    add_chat(db, 1001, subscribed_at=EARLIER)
    assert subscription_store.unsubscribe(db, 1001, COUNTRY, "IT", NOW) == EXCEPTED
    assert chat_store.chat_account_ids(db, 1001) == set()
    assert subscription_store.subscribe(db, 1001, ACCOUNT, "tajani", NOW) == ADDED
    assert chat_store.chat_account_ids(db, 1001) == {"tajani"}
    assert subscription_store.subscribe(db, 1001, ALL, "", NOW) == RESTORED
    assert {s.kind for s in subscription_store.subscriptions(db, 1001)} == {ALL, ACCOUNT}


def test_unsubscribing_what_only_an_own_subscription_covers_removes_it(tmp_path):
    db = make_db(tmp_path)
    add_account(db)
    add_chat(db, 1001, subscribed_at=EARLIER, kind=ACCOUNT, target="tajani")
    assert subscription_store.unsubscribe(db, 1001, ACCOUNT, "tajani", NOW) == REMOVED
    assert subscription_store.subscriptions(db, 1001) == []


# --- keywords --------------------------------------------------------------------------


def test_include_keywords_match_the_original_or_its_english_ignoring_case_and_accents():
    ceasefire = audience(keywords_include=("cessate il FUOCO", "ceasefire"))
    assert wants(ceasefire, statement(text="L'Italia accoglie il cessate il fuoco."))
    assert wants(ceasefire, statement(text="Accordo raggiunto.", translation_en="A ceasefire was agreed."))
    assert not wants(ceasefire, statement(text="Riunione sul commercio."))
    accents = audience(keywords_include=("dialogo",))
    assert wants(accents, statement(text="Llamamos al DIÁLOGO."))


def test_exclude_keywords_win_and_words_match_whole_unless_starred():
    cricket = audience(keywords_exclude=("cricket",))
    assert not wants(cricket, statement(text="The cricket match will go on despite tensions."))
    assert wants(cricket, statement(text="Crickets chirp; we reserve the right to respond."))
    prefix = audience(keywords_include=("sanction*",))
    assert wants(prefix, statement(text="New sanctions are announced."))
    assert not wants(audience(keywords_include=("war",)), statement(text="A stern warning."))


def test_keywords_match_inside_words_in_scripts_without_spaces_or_with_joined_particles():
    assert wants(audience(keywords_include=("停火",)), statement(text="双方宣布停火协议", lang="zh"))
    assert wants(audience(keywords_include=("وقف إطلاق النار",)), statement(text="نرحب بوقفِ إطلاقِ النار", lang="ar"))
