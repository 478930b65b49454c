"""Reposts: posts that an account shares but did not write.

A retweet, a boost, a Bluesky repost or a forwarded Telegram post is stored (it shows
what the account amplifies) but must not be alerted as the account's own statement.
Replies are marked too: they answer someone else and rarely stand alone. Each platform
signals this differently in its feed, so the rules are per kind; entries from plain RSS
are never touched.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from urllib.parse import urlsplit

from bot.model import FeedEntry, SourceKind, SourceSpec

NITTER_REPOST = re.compile(r"^\s*(RT by @\w+:|RT @\w+:|R to @\w+:|Re @\w+:)", re.IGNORECASE)
X_STATUS_PATH = re.compile(r"^/([\w]+)/status(?:es)?/\d+")
MASTODON_STATUS_PATH = re.compile(r"^/(?:@|users/)([\w.]+)")
BLUESKY_DID = re.compile(r"(did:[a-z]+:[\w.:-]+)")
TELEGRAM_FORWARD = re.compile(r"^\s*Forwarded from\b", re.IGNORECASE)


def _handle(spec: SourceSpec) -> str:
    return spec.handle.strip().lstrip("@").lower()


def _x_is_repost(entry: FeedEntry, owner: str) -> bool:
    """Nitter: `RT by @owner:` / `R to @x:` titles, original author in dc:creator and link."""
    if NITTER_REPOST.match(entry.title or entry.text):
        return True
    author = (entry.author or "").strip()
    if author.startswith("@") and author[1:].lower() != owner:
        return True
    for address in (entry.url, entry.guid):
        match = X_STATUS_PATH.match(urlsplit(address or "").path)
        if match and match.group(1).lower() != "i":  # /i/web/status/ID names nobody
            return match.group(1).lower() != owner
    return False


def _mastodon_is_repost(entry: FeedEntry, owner: str) -> bool:
    """A boost links to the original author's status (`/@other/ID`), not to `/@owner/ID`.

    Only the user part is compared: an account may live on a web domain other than the
    one in its handle, so the host proves nothing.
    """
    user = owner.partition("@")[0]
    match = MASTODON_STATUS_PATH.match(urlsplit(entry.url or entry.guid or "").path)
    return match is not None and match.group(1).lower() != user


def _owner_did(entries: list[FeedEntry], owner: str) -> str | None:
    """The account's DID: the handle itself if it is one, else the clear majority in the feed."""
    if owner.startswith("did:"):
        return owner
    dids = Counter(d for e in entries if (d := _did(e)) is not None)
    ranked = dids.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _did(entry: FeedEntry) -> str | None:
    match = BLUESKY_DID.search(entry.guid or "") or BLUESKY_DID.search(entry.url or "")
    return match.group(1).lower() if match else None


def mark_reposts(entries: list[FeedEntry], spec: SourceSpec) -> list[FeedEntry]:
    """The same entries, with `is_repost=True` where the account is not the author."""
    owner = _handle(spec)
    if spec.kind is SourceKind.X:
        flags = [_x_is_repost(e, owner) for e in entries]
    elif spec.kind is SourceKind.MASTODON:
        flags = [_mastodon_is_repost(e, owner) for e in entries]
    elif spec.kind is SourceKind.BLUESKY:
        did = _owner_did(entries, owner)
        flags = [did is not None and _did(e) not in (None, did) for e in entries]
    elif spec.kind is SourceKind.TELEGRAM:
        flags = [bool(TELEGRAM_FORWARD.match(e.text)) for e in entries]
    else:
        return entries
    return [
        replace(entry, is_repost=True) if flag and not entry.is_repost else entry
        for entry, flag in zip(entries, flags, strict=True)
    ]
