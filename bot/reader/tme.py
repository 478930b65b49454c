"""Telegram channel web preview (`https://t.me/s/CHANNEL`) → feed entries.

Public channels have no RSS, but their web preview lists the latest posts, oldest first.
Each post is a `div.tgme_widget_message[data-post="CHANNEL/ID"]`; its `data-view` is
base64 JSON whose `c` is the numeric channel id, stable across renames, so guids are
built from it. Only the post's own text is kept: link previews, quoted replies and
reaction counters are someone else's words or noise. The parser is tolerant of the
2023 and 2026 markups (pretty-printed or not, captions nested twice in albums).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime

from bs4 import NavigableString, Tag

from bot.model import FeedEntry
from bot.reader.dates import from_iso
from bot.reader.text import html_soup, tidy_text
from bot.reader.urls import safe_url

NOT_OWN_TEXT = (
    "tgme_widget_message_link_preview",
    "tgme_widget_message_reply",
    "tgme_widget_message_reactions",
)
BLOCK_TAGS = frozenset({"div", "p", "blockquote", "pre", "li", "ul", "ol"})
MAX_VIEW_CHARS = 512  # a real data-view is some 40 characters of base64


def _channel_id(message: Tag) -> str | None:
    """The numeric id in `data-view` (base64 JSON, padding stripped), if readable."""
    view = message.get("data-view")
    if not isinstance(view, str) or not view or len(view) > MAX_VIEW_CHARS:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(view + "=" * (-len(view) % 4)))
    except (binascii.Error, ValueError, RecursionError):  # RecursionError: "[[[[…" nested deep
        return None
    channel = data.get("c") if isinstance(data, dict) else None
    return str(channel) if isinstance(channel, int) else None


def _render(node: Tag, parts: list[str]) -> None:
    """Append readable text: <br> and blocks become line breaks, links keep their target.

    Walks with an explicit stack, so a post nested a thousand tags deep is just long.
    """
    pending: list[Tag | NavigableString | str] = list(reversed(list(node.children)))
    while pending:
        child = pending.pop()
        if isinstance(child, str) and not isinstance(child, NavigableString):
            parts.append(child)  # a line break queued after a block's children
        elif isinstance(child, NavigableString):
            if type(child) is NavigableString:  # skip comments, CDATA, doctype
                parts.append(re.sub(r"\s+", " ", str(child)))
        elif child.name == "br":
            parts.append("\n")
        elif child.name == "a":
            parts.append(_link_text(child))
        elif child.name in BLOCK_TAGS:
            parts.append("\n")
            pending.append("\n")
            pending.extend(reversed(list(child.children)))
        else:
            pending.extend(reversed(list(child.children)))


def _link_text(link: Tag) -> str:
    """A link as text: mentions and hashtags as shown, other links as `text (url)`."""
    shown = re.sub(r"\s+", " ", link.get_text()).strip()
    href = safe_url(link.get("href"))
    if href is None:
        return shown
    if shown.startswith(("@", "#")) or shown == href:
        return shown
    if not shown or re.fullmatch(r"\S+\.\S+", shown):
        return href  # the text was the (often shortened) address itself
    return f"{shown} ({href})"


def _own_text_blocks(message: Tag) -> list[Tag]:
    """The outermost `.tgme_widget_message_text` blocks that belong to the post itself."""
    blocks = []
    for block in message.select(".tgme_widget_message_text"):
        classes = {c for a in _ancestors_within(block, message) for c in a.get("class") or []}
        if "tgme_widget_message_text" in classes or classes.intersection(NOT_OWN_TEXT):
            continue
        blocks.append(block)
    return blocks


def _ancestors_within(node: Tag, message: Tag) -> list[Tag]:
    ancestors = []
    for parent in node.parents:
        if parent is message:
            break
        ancestors.append(parent)
    return ancestors


def _message_text(message: Tag) -> str:
    texts: list[str] = []
    for block in _own_text_blocks(message):
        parts: list[str] = []
        _render(block, parts)
        text = tidy_text("".join(parts))
        if text and text not in texts:
            texts.append(text)
    return "\n\n".join(texts)


def _published(message: Tag) -> datetime | None:
    stamp = message.select_one("a.tgme_widget_message_date time[datetime]")
    if stamp is None:
        stamp = message.select_one(".tgme_widget_message_meta time[datetime]")
    raw = stamp.get("datetime") if stamp is not None else None
    return from_iso(raw) if isinstance(raw, str) else None


def _text_of(message: Tag, selector: str) -> str | None:
    found = message.select_one(selector)
    text = re.sub(r"\s+", " ", found.get_text()).strip() if found is not None else ""
    return text or None


def _entry(message: Tag) -> FeedEntry | None:
    post = message.get("data-post")
    if not isinstance(post, str) or "/" not in post:
        return None
    channel, _, post_id = post.rpartition("/")
    text = _message_text(message)
    if not text:
        return None  # stickers, polls, media without caption: no statement to classify
    forwarded_from = _text_of(message, ".tgme_widget_message_forwarded_from_name")
    meta = _text_of(message, ".tgme_widget_message_meta") or ""
    return FeedEntry(
        text=text,
        url=f"https://t.me/{channel}/{post_id}",
        guid=f"tg:{_channel_id(message) or channel}/{post_id}",
        published=_published(message),
        author=forwarded_from or _text_of(message, ".tgme_widget_message_from_author"),
        is_repost=forwarded_from is not None,
        edited=re.search(r"\bedited\b", meta) is not None,
    )


def parse_channel_page(body: bytes, url: str) -> list[FeedEntry]:
    """Every post with text on a t.me/s page, oldest first as Telegram lists them.

    `url` is where the page was fetched (a mirror or t.me); entry URLs always point at
    t.me itself, the canonical address of a post.
    """
    soup = html_soup(body)
    entries = []
    for message in soup.select("div.tgme_widget_message[data-post]"):
        entry = _entry(message)
        if entry is not None:
            entries.append(entry)
    return entries
