"""The Bot API double enforces Telegram's flood limits when asked: 429 with retry_after beyond them."""

from tests.tg.botapi_double import BotApiDouble, FloodLimits


def send(api, chat_id):
    return api.handle("sendMessage", {"chat_id": str(chat_id), "text": "hello"})


def test_a_burst_beyond_the_overall_limit_gets_429_with_retry_after():
    api = BotApiDouble(limits=FloodLimits(scale=1.0))
    statuses = [send(api, 1000 + n)[0] for n in range(31)]
    assert statuses[:30] == [200] * 30
    status, body = send(api, 2000)
    assert status == 429 and body["parameters"]["retry_after"] >= 1
    assert api.flood_refusals >= 1


def test_a_second_message_to_one_chat_within_a_second_gets_429():
    api = BotApiDouble(limits=FloodLimits(scale=1.0))
    assert send(api, 77)[0] == 200
    assert send(api, 77)[0] == 429


def test_without_limits_nothing_is_refused():
    api = BotApiDouble()
    assert all(send(api, 5)[0] == 200 for _ in range(50))
