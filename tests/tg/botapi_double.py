"""A Telegram Bot API test double: a real HTTP server on 127.0.0.1.

It speaks the protocol as python-telegram-bot uses it — POSTs to `/bot<TOKEN>/<method>`
(form-encoded, multipart for photos, or JSON), replies `{"ok": true, "result": …}` or
`{"ok": false, "error_code": …, "description": …, "parameters": …}` — so the real PTB
path (requests, errors, rate limiter) runs in tests. `getUpdates` long-polls.

Like Telegram it refuses texts over 4096 characters (after entity parsing) and HTML it
cannot parse. A test can make it fail on purpose: flood control (`retry_after`), a
blocked chat (403), a group upgraded to a supergroup (`migrate_to_chat_id`), 5xx; and it
can hold messages after the n-th (`hold_after`) to simulate a crash mid-delivery: a held
request is never answered and never counted as delivered. With `limits` it enforces
Telegram's flood limits (overall, per chat, per group; scaled for benchmarks) and answers
429 with `retry_after` beyond them, counting each in `flood_refusals`.
`answers[method]` makes a method answer a given (status, body) as it is, bytes even unparsed:
the odd shapes a real or broken server can send; bytes go out as `text/html` when they look
like a page (`BAD_GATEWAY_PAGE`: what a proxy in front of the Bot API answers when it fails).

Forums, channels and membership: a command can come from a forum topic
(`message_thread_id`); sending into a topic that does not exist fails as Telegram does
("message thread not found"); `add_channel` makes a channel that getChat finds;
`my_chat_member` is the bot being added to or removed from a chat; each accepted message
records its topic and whether it was sent silently (`disable_notification`).

    with BotApiDouble() as api:
        api.command(1001, "/start")
        api.wait_for(lambda: api.texts(1001))
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import html
import json
import math
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

TOKEN = "123456789:AAtest-Token_never-in-logs-42"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Ladderwatch",
    "username": "ladderwatch_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
    "tg-emoji",
}
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+=\"[^\"<>]*\")*)\s*>")
ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
SEND_METHODS = {"sendMessage", "sendPhoto"}
BAD_GATEWAY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class HtmlError(ValueError):
    pass


def check_html(value: str) -> str:
    """The visible text of Telegram HTML; HtmlError where Telegram would say "can't parse entities"."""
    stack: list[str] = []
    visible: list[str] = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == "<":
            match = TAG.match(value, index)
            if match is None or match.group(2).lower() not in ALLOWED_TAGS:
                raise HtmlError(f"Can't parse entities: unsupported start tag at byte offset {index}")
            name = match.group(2).lower()
            if match.group(1):
                if not stack or stack[-1] != name:
                    raise HtmlError(f"Can't parse entities: unexpected end tag at byte offset {index}")
                stack.pop()
            else:
                stack.append(name)
            index = match.end()
        elif char == "&":
            match = ENTITY.match(value, index)
            if match is None:
                raise HtmlError(f"Can't parse entities: unsupported entity at byte offset {index}")
            visible.append(html.unescape(match.group(0)))
            index = match.end()
        else:
            visible.append(char)
            index += 1
    if stack:
        raise HtmlError(f"Can't parse entities: can't find end tag corresponding to start tag {stack[-1]}")
    return "".join(visible)


@dataclass(frozen=True)
class Sent:
    """One message Telegram accepted (sendMessage, sendPhoto or editMessageText)."""

    method: str
    chat_id: int
    message_id: int
    text: str = ""
    upload: bytes = b""  # the uploaded file (photo or document)
    reply_markup: dict[str, Any] | None = None
    thread_id: int | None = None  # forum topic (message_thread_id)
    silent: bool = False  # disable_notification
    at: float = field(default_factory=time.time)  # wall clock when accepted (latency benchmarks)


@dataclass
class Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None = None


def retry_after(seconds: int) -> Failure:
    return Failure(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def forbidden() -> Failure:
    return Failure(403, "Forbidden: bot was blocked by the user")


def server_error() -> Failure:
    return Failure(500, "Internal Server Error")


def migrated(new_chat_id: int) -> Failure:
    return Failure(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_chat_id},
    )


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's documented limits (30 messages/s overall, 1/s per chat, 20/min per group), times `scale`.

    Each is a leaky bucket that holds one period's worth: a burst of that size is accepted,
    then the sustained rate; a send that would overflow a bucket gets 429.
    """

    scale: float = 1.0
    overall_per_second: float = 30.0
    chat_per_second: float = 1.0
    group_per_minute: float = 20.0

    def buckets(self, chat_id: int) -> list[tuple[str, float, float]]:
        """(bucket key, capacity, leak per second) that one send to `chat_id` fills."""
        scopes = [("*", self.overall_per_second * self.scale, self.overall_per_second * self.scale)]
        if chat_id < 0:
            per_minute = self.group_per_minute * self.scale
            scopes.append((f"g{chat_id}", per_minute, per_minute / 60))
        else:
            per_second = self.chat_per_second * self.scale
            scopes.append((f"c{chat_id}", max(per_second, 1.0), per_second))
        return scopes


@dataclass
class BotApiDouble:
    token: str = TOKEN
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    failures: dict[int, list[Failure]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    moved: dict[int, int] = field(default_factory=dict)
    hold_after: int | None = None
    held: int = 0
    unsupported: set[str] = field(default_factory=set)  # methods answered 404, like a partial emulator
    files: dict[str, bytes] = field(default_factory=dict)  # documents users sent, by file_id
    topics: dict[int, set[int]] = field(default_factory=dict)  # forum chat id → its topics' thread ids
    channels: dict[int, dict[str, Any]] = field(default_factory=dict)  # channel id → its getChat answer
    port: int = 0  # 0: any free port
    limits: FloodLimits | None = None
    flood_refusals: int = 0
    updates_answer: tuple[int, dict[str, Any] | bytes] | None = None  # while set, getUpdates answers this
    answers: dict[str, tuple[int, dict[str, Any] | bytes]] = field(default_factory=dict)  # method → raw answer

    def __post_init__(self) -> None:
        self._condition = threading.Condition()
        self._next_update = 1
        self._next_message = 1
        self._release = threading.Event()
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (level, when last updated)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # --- lifecycle ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL for TELEGRAM_API_BASE_URL (PTB appends the token)."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/bot"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- what users do ----------------------------------------------------------------------

    def _push(self, update: dict[str, Any]) -> None:
        with self._condition:
            update["update_id"] = self._next_update
            self._next_update += 1
            self.updates.append(update)
            self._condition.notify_all()

    def command(
        self,
        chat_id: int,
        command_text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "en",
        first_name: str = "Ada",
        title: str = "Crisis desk",
        entities: bool = True,
        thread_id: int | None = None,
        sender_chat: dict[str, Any] | None = None,
        edited: bool = False,
    ) -> None:
        """A user sends `command_text` (starting with /command) in a chat (in forum topic `thread_id`),
        possibly on behalf of a chat (`sender_chat`: an anonymous admin, a channel), or edits it."""
        user = {
            "id": user_id if user_id is not None else chat_id,
            "is_bot": False,
            "first_name": first_name,
        }
        if language_code:
            user["language_code"] = language_code
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat["title"] = title
        length = len(command_text.split()[0])
        message = {
            "message_id": self._message_id(),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": command_text,
        }
        if entities:  # Telegram always marks the command; a sparse server may not
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if thread_id is not None:
            chat["is_forum"] = True
            message.update(message_thread_id=thread_id, is_topic_message=True)
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        if edited:
            message["edit_date"] = int(time.time())
        self._push({"edited_message" if edited else "message": message})

    def message(self, chat_id: int, text: str = "", *, photo: bool = False, language_code: str = "en") -> None:
        """A user sends plain text (or a photo) in a private chat."""
        user = {"id": chat_id, "is_bot": False, "first_name": "Ada", "language_code": language_code}
        chat = {"id": chat_id, "type": "private", "first_name": "Ada"}
        message: dict[str, Any] = {"message_id": self._message_id(), "date": int(time.time())}
        message.update(chat=chat, **{"from": user})
        if photo:
            message["photo"] = [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]
        else:
            message["text"] = text
        self._push({"message": message})

    def raw(self, update: dict[str, Any]) -> None:
        """Any update as given (a fresh update_id is added): malformed ones too."""
        self._push(update)

    def migrate(self, old_id: int, new_id: int, title: str = "Crisis desk") -> None:
        """A group becomes a supergroup: the service messages Telegram sends in both chats."""
        user = {"id": 11, "is_bot": False, "first_name": "Ada"}
        for chat, field_name, other in (
            ({"id": old_id, "type": "group", "title": title}, "migrate_to_chat_id", new_id),
            ({"id": new_id, "type": "supergroup", "title": title}, "migrate_from_chat_id", old_id),
        ):
            message = {"message_id": self._message_id(), "date": int(time.time()), "chat": chat, "from": user}
            self._push({"message": {**message, field_name: other}})

    def add_channel(self, chat_id: int, username: str | None, title: str) -> None:
        """A channel that getChat knows (by id, and by @username when it has one)."""
        self.channels[chat_id] = {"id": chat_id, "type": "channel", "title": title}
        if username:
            self.channels[chat_id]["username"] = username

    def my_chat_member(
        self,
        chat_id: int,
        new_status: str,
        *,
        old_status: str = "left",
        chat_type: str = "group",
        title: str = "Crisis desk",
        user_id: int = 1001,
    ) -> None:
        """The bot's own membership changed (added to a group, made a channel admin, removed)."""
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Ada"
        else:
            chat["title"] = title
        if chat_id in self.channels and self.channels[chat_id].get("username"):
            chat["username"] = self.channels[chat_id]["username"]
        user = {"id": user_id, "is_bot": False, "first_name": "Ada", "language_code": "en"}
        self._push(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": user,
                    "date": int(time.time()),
                    "old_chat_member": member_object(BOT_USER, old_status),
                    "new_chat_member": member_object(BOT_USER, new_status),
                }
            }
        )

    def send_document(self, chat_id: int, file_name: str, content: bytes, *, user_id: int | None = None) -> None:
        """A user sends a file to the bot in a private chat (downloadable via getFile)."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = content
        user = {"id": user_id if user_id is not None else chat_id, "is_bot": False, "first_name": "Ada"}
        document = {"file_id": file_id, "file_unique_id": file_id, "file_name": file_name, "file_size": len(content)}
        chat = {"id": chat_id, "type": "private", "first_name": "Ada"}
        message = {"message_id": self._message_id(), "date": int(time.time()), "chat": chat, "from": user}
        self._push({"message": {**message, "document": document}})

    def press(self, chat_id: int, message: Sent, data: str, *, user_id: int | None = None) -> None:
        """A user taps an inline keyboard button under `message`."""
        user = {
            "id": user_id if user_id is not None else chat_id,
            "is_bot": False,
            "first_name": "Ada",
        }
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        query = {
            "id": str(self._message_id()),
            "from": user,
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message.message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": BOT_USER,
                "text": message.text,
            },
        }
        self._push({"callback_query": query})

    # --- what the bot did ---------------------------------------------------------------------

    def texts(self, chat_id: int) -> list[str]:
        with self._condition:
            return [s.text for s in self.sent if s.chat_id == chat_id and s.method == "sendMessage"]

    def photos(self, chat_id: int) -> list[bytes]:
        with self._condition:
            return [s.upload for s in self.sent if s.chat_id == chat_id and s.method == "sendPhoto"]

    def last(self, chat_id: int, method: str = "sendMessage") -> Sent:
        with self._condition:
            return [s for s in self.sent if s.chat_id == chat_id and s.method == method][-1]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        with self._condition:
            return [params for name, params in self.calls if name == method]

    def wait_for(self, condition: Callable[[], object], timeout: float = 15.0) -> Any:
        """Wait until `condition()` is truthy (re-checked on every request); its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout} s; bot sent: {[s.text[:80] for s in self.sent]}")
            with self._condition:
                self._condition.wait(min(remaining, 0.1))

    def fail_next(self, chat_id: int, *failures: Failure) -> None:
        with self._condition:
            self.failures.setdefault(chat_id, []).extend(failures)

    def release(self) -> None:
        """Let held requests go (they are then answered with a 502 and not delivered)."""
        self._release.set()

    # --- the protocol -----------------------------------------------------------------------

    def _message_id(self) -> int:
        with self._condition:
            self._next_message += 1
            return self._next_message

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any] | bytes]:
        with self._condition:
            self.calls.append((method, params))
            self._condition.notify_all()
        if method == "getUpdates" and self.updates_answer is not None:
            return self.updates_answer
        if method in self.answers:  # a shape the test wants (bytes: not even JSON)
            return self.answers[method]
        handler = None if method in self.unsupported else getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        try:
            return 200, {"ok": True, "result": handler(params)}
        except Failure_ as failure:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.failure.status,
                "description": failure.failure.description,
            }
            if failure.failure.parameters:
                body["parameters"] = failure.failure.parameters
            return failure.failure.status, body

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 0.5)
        deadline = time.monotonic() + wait
        with self._condition:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                self._condition.wait(deadline - time.monotonic())
            return list(self.updates[: int(params.get("limit") or 100)])

    def _ok(self, params: dict[str, Any]) -> Any:
        return True

    def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise Failure_(Failure(400, "Bad Request: invalid file_id"))
        size = len(self.files[file_id])
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": size, "file_path": f"documents/{file_id}"}

    _api_deleteWebhook = _api_setWebhook = _api_setMyCommands = _api_answerCallbackQuery = _ok

    def _api_getChatMember(self, params: dict[str, Any]) -> Any:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = self.members.get((chat_id, user_id), "member" if chat_id not in self.channels else "left")
        return member_object({"id": user_id, "is_bot": False, "first_name": "Member"}, status)

    def _api_getChat(self, params: dict[str, Any]) -> Any:
        wanted = str(params["chat_id"])
        for info in self.channels.values():
            if wanted in (str(info["id"]), f"@{info.get('username')}"):
                return info
        raise Failure_(Failure(400, "Bad Request: chat not found"))

    def _before_send(self, chat_id: int, params: dict[str, Any] | None = None) -> None:
        thread = (params or {}).get("message_thread_id")
        if thread is not None and int(thread) not in self.topics.get(chat_id, set()):
            raise Failure_(Failure(400, "Bad Request: message thread not found"))
        with self._condition:
            scripted = self.failures.get(chat_id)
            if scripted:
                raise Failure_(scripted.pop(0))
            if chat_id in self.blocked:
                raise Failure_(forbidden())
            if chat_id in self.moved:
                raise Failure_(migrated(self.moved[chat_id]))
            if self.limits is not None:
                self._take_flood_budget(chat_id, self.limits)
            delivered = sum(1 for s in self.sent if s.method in SEND_METHODS)
            hold = self.hold_after is not None and delivered >= self.hold_after
            if hold:
                self.held += 1
                self._condition.notify_all()
        if hold:
            self._release.wait()
            raise Failure_(Failure(502, "Bad Gateway"))

    def _take_flood_budget(self, chat_id: int, limits: FloodLimits) -> None:
        """Fill every bucket this send touches, or refuse it with 429 (caller holds the lock)."""
        now = time.monotonic()
        levels = {}
        for key, capacity, leak in limits.buckets(chat_id):
            level, then = self._buckets.get(key, (0.0, now))
            level = max(0.0, level - (now - then) * leak)
            if level + 1 > capacity:
                self.flood_refusals += 1
                raise Failure_(retry_after(max(1, math.ceil((level + 1 - capacity) / leak))))
            levels[key] = level + 1
        self._buckets.update({key: (level, now) for key, level in levels.items()})

    def _record(self, sent: Sent) -> dict[str, Any]:
        with self._condition:
            self.sent.append(sent)
            self._condition.notify_all()
        chat_type = "private" if sent.chat_id > 0 else "channel" if sent.chat_id in self.channels else "supergroup"
        result: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": {"id": sent.chat_id, "type": chat_type},
            "from": BOT_USER,
        }
        if sent.method == "sendDocument":
            result["document"] = {"file_id": "doc-1", "file_unique_id": "d1"}
        elif sent.method == "sendPhoto":
            result["photo"] = [{"file_id": "photo-1", "file_unique_id": "u1", "width": 800, "height": 400}]
        else:
            result["text"] = sent.text
        return result

    def _text_checked(self, params: dict[str, Any], key: str, limit: int) -> str:
        value = str(params.get(key) or "")
        visible = value
        if params.get("parse_mode") == "HTML":
            try:
                visible = check_html(value)
            except HtmlError as error:
                raise Failure_(Failure(400, f"Bad Request: {error}")) from None
        if len(visible.encode("utf-16-le")) // 2 > limit:
            raise Failure_(Failure(400, "Bad Request: message is too long"))
        if key == "text" and not visible.strip():
            raise Failure_(Failure(400, "Bad Request: message text is empty"))
        return value

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        value = self._text_checked(params, "text", 4096)
        self._before_send(chat_id, params)
        markup = json.loads(params["reply_markup"]) if params.get("reply_markup") else None
        return self._record(
            Sent("sendMessage", chat_id, self._message_id(), value, reply_markup=markup, **_placement(params))
        )

    def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        caption = self._text_checked(params, "caption", 1024)
        photo = params.get("photo")
        if not isinstance(photo, bytes) or not photo:
            raise Failure_(Failure(400, "Bad Request: there is no photo in the request"))
        self._before_send(chat_id, params)
        return self._record(Sent("sendPhoto", chat_id, self._message_id(), caption, photo, **_placement(params)))

    def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        document = params.get("document")
        if not isinstance(document, bytes):
            raise Failure_(Failure(400, "Bad Request: there is no document in the request"))
        self._before_send(chat_id)
        return self._record(Sent("sendDocument", chat_id, self._message_id(), "", document))

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        value = self._text_checked(params, "text", 4096)
        markup = json.loads(params["reply_markup"]) if params.get("reply_markup") else None
        return self._record(Sent("editMessageText", chat_id, int(params["message_id"]), value, reply_markup=markup))


def _placement(params: dict[str, Any]) -> dict[str, Any]:
    """The topic and silence of a send, as PTB encodes them (form fields, JSON-ish values)."""
    thread = params.get("message_thread_id")
    return {
        "thread_id": int(thread) if thread is not None else None,
        "silent": str(params.get("disable_notification", "")).lower() == "true",
    }


ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_post_messages": True,
    "can_edit_messages": True,
}


RESTRICTED_RIGHTS = (
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_send_messages",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_manage_topics",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_edit_tag",
    "can_react_to_messages",
)


def member_object(user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember as Telegram sends it: an administrator carries all its rights."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "administrator":
        member.update(ADMIN_RIGHTS)
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "restricted":  # a member who may not send messages
        member.update({name: False for name in RESTRICTED_RIGHTS}, is_member=True, until_date=0)
    return member


class Failure_(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.description)
        self.failure = failure


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Form, multipart (files arrive as bytes) or JSON, as PTB may send them."""
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            params[str(name)] = payload if part.get_filename() else payload.decode("utf-8")
        return params
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}")
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def _handler_for(api: BotApiDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            prefix = f"/bot{api.token}/"
            if not self.path.startswith(prefix):
                status, reply = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            else:
                params = parse_body(self.headers.get("Content-Type", ""), body)
                status, reply = api.handle(self.path[len(prefix) :], params)
            data = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
            page = isinstance(reply, bytes) and reply.lstrip()[:1] == b"<"
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if page else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)  # the client may have given up (a test stopping the bot)

        def do_GET(self) -> None:
            """Bot API calls may come as GET too; `/file/bot<token>/…` downloads a user's file."""
            prefix = f"/file/bot{api.token}/documents/"
            path = urllib.parse.unquote(self.path)
            if not path.startswith(prefix):
                self.do_POST()
                return
            content = api.files.get(path[len(prefix) :])
            self.send_response(200 if content is not None else 404)
            self.send_header("Content-Length", str(len(content or b"")))
            self.end_headers()
            self.wfile.write(content or b"")

        def log_message(self, format: str, *args: object) -> None:
            """Keep pytest output clean."""

    return Handler
