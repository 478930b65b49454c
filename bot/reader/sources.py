"""Sources: turn an account's `kind: handle` lines into URLs the fetcher can read.

Official accounts live on platforms without a feed of their own, so each kind maps to a
public web address that serves one: X through an RSS bridge (Nitter or RSSHub style,
set by the operator), Bluesky and Mastodon through their built-in RSS, Telegram through
the channel's public web preview (t.me/s) or a bridge. Resolution is pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from bot.model import SourceKind, SourceSpec
from bot.settings import Settings

FEED = "feed"
TELEGRAM_HTML = "telegram_html"
TELEGRAM_PREVIEW_HOSTS = frozenset({"t.me", "telegram.me"})


class SourceResolutionError(ValueError):
    """A source cannot be turned into a URL; the message says what to change."""


@dataclass(frozen=True)
class ResolvedSource:
    url: str
    fmt: str  # FEED (RSS/Atom/RDF for feedparser) or TELEGRAM_HTML (a t.me/s page)


def _bare(handle: str) -> str:
    return handle.strip().lstrip("@")


def _x(handle: str, settings: Settings) -> ResolvedSource:
    if not settings.x_bridge:
        raise SourceResolutionError(
            f"x source @{handle} needs an RSS bridge: set LADDERWATCH_X_BRIDGE to a URL "
            "template with {handle}, e.g. https://nitter.example.org/{handle}/rss"
        )
    return ResolvedSource(settings.x_bridge.format(handle=quote(handle, safe="")), FEED)


def _mastodon(handle: str) -> ResolvedSource:
    user, _, instance = handle.partition("@")
    if not user or not instance:
        raise SourceResolutionError(
            f"mastodon source {handle!r} must look like @user@instance.social"
        )
    return ResolvedSource(f"https://{instance.lower()}/@{quote(user, safe='')}.rss", FEED)


def is_telegram_preview(url: str) -> bool:
    """True for the t.me/s web preview of a channel, on t.me itself or a mirror of it.

    A mirror is recognised by its path ending in `/s/CHANNEL`, which is what Telegram's own
    preview uses; any other bridge template is taken to serve RSS.
    """
    parts = urlsplit(url)
    if parts.hostname in TELEGRAM_PREVIEW_HOSTS:
        return True
    return re.search(r"/s/\w+/?$", parts.path) is not None


def _telegram(channel: str, settings: Settings) -> ResolvedSource:
    url = settings.telegram_bridge.format(channel=quote(channel, safe=""))
    return ResolvedSource(url, TELEGRAM_HTML if is_telegram_preview(url) else FEED)


def resolve_source(spec: SourceSpec, settings: Settings) -> ResolvedSource:
    """The URL to poll for one source and the format of what it serves."""
    handle = _bare(spec.handle)
    if not handle:
        raise SourceResolutionError(f"{spec.kind.value} source has an empty handle")
    if spec.kind is SourceKind.RSS:
        return ResolvedSource(spec.handle.strip(), FEED)
    if spec.kind is SourceKind.X:
        return _x(handle, settings)
    if spec.kind is SourceKind.BLUESKY:
        profile = quote(handle.lower(), safe=".:")
        return ResolvedSource(f"https://bsky.app/profile/{profile}/rss", FEED)
    if spec.kind is SourceKind.MASTODON:
        return _mastodon(handle)
    if spec.kind is SourceKind.TELEGRAM:
        return _telegram(handle, settings)
    raise SourceResolutionError(f"unknown source kind {spec.kind!r}")


def profile_url(spec: SourceSpec) -> str | None:
    """The human-facing page of a source (for OPML `htmlUrl` and status lines)."""
    handle = _bare(spec.handle)
    if spec.kind is SourceKind.X:
        return f"https://x.com/{handle}"
    if spec.kind is SourceKind.BLUESKY:
        return f"https://bsky.app/profile/{handle.lower()}"
    if spec.kind is SourceKind.MASTODON:
        user, _, instance = handle.partition("@")
        return f"https://{instance.lower()}/@{user}" if instance else None
    if spec.kind is SourceKind.TELEGRAM:
        return f"https://t.me/{handle}"
    return None
