"""OPML: the watchlist in the format every feed reader imports and exports.

Export writes one outline per account holding one outline per source, with the resolved
feed URL as `xmlUrl` (so any reader can subscribe) and the account's fields in the
`lw:` namespace (so our own import gets the account back unchanged). Import reads ours
and plain OPML from other readers, where every `xmlUrl` becomes an account with an
`rss` source. DOCTYPE and ENTITY declarations are refused before parsing.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Collection
from datetime import UTC, datetime
from email.utils import format_datetime

from bot.model import Account, SourceKind, SourceSpec
from bot.reader.sources import FEED, SourceResolutionError, profile_url, resolve_source
from bot.settings import Settings
from bot.watchlist import ACCOUNT_ID, COUNTRY, account_language, parse_watchlist, validate_source

NS = "https://ladderwatch.invalid/opml/1"
LW = f"{{{NS}}}"
ET.register_namespace("lw", NS)
DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _source_outline(
    parent: ET.Element, account: Account, spec: SourceSpec, settings: Settings
) -> None:
    label = f"{account.name} ({spec.kind.value}: {spec.handle})"
    outline = ET.SubElement(parent, "outline", {"text": label})
    try:
        resolved = resolve_source(spec, settings)
    except SourceResolutionError:
        resolved = None
    if resolved is not None and resolved.fmt == FEED:
        outline.set("type", "rss")
        outline.set("xmlUrl", resolved.url)
    page = profile_url(spec) if spec.kind is not SourceKind.RSS else None
    if page:
        outline.set("htmlUrl", page)
    outline.set(f"{LW}kind", spec.kind.value)
    outline.set(f"{LW}handle", spec.handle)


def export_opml(accounts: list[Account], settings: Settings) -> str:
    """OPML 2.0 text. Sources that have no feed URL here (an X handle without a bridge,
    a Telegram web preview) keep their outline without `xmlUrl`, so nothing is lost."""
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = "Ladderwatch watchlist"
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = ET.SubElement(root, "body")
    for account in accounts:
        group = ET.SubElement(body, "outline", {"text": account.name, "title": account.name})
        group.set(f"{LW}id", account.id)
        for name, value in (("role", account.role), ("country", account.country)):
            if value:
                group.set(f"{LW}{name}", value)
        if account.languages:
            group.set(f"{LW}languages", ",".join(account.languages))
        for spec in account.sources:
            _source_outline(group, account, spec, settings)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def slugify(text: str) -> str:
    """An account id from a feed title: ASCII, lowercase, dashes (`Farnesina – News`
    → `farnesina-news`)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    return slug or "feed"


def _unique(slug: str, taken: set[str]) -> str:
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _label(outline: ET.Element) -> str:
    return (outline.get("title") or outline.get("text") or "").strip()


def _our_account(outline: ET.Element) -> Account:
    account_id = outline.get(f"{LW}id", "")
    if not ACCOUNT_ID.match(account_id):
        raise ValueError(f"account id {account_id!r} must be a lowercase slug (a-z, 0-9, _ and -)")
    country = outline.get(f"{LW}country", "").upper()
    if country and not COUNTRY.match(country):
        raise ValueError(
            f"account {account_id}: country {country!r} must be an ISO 3166 alpha-2 code"
        )
    try:
        languages = tuple(account_language(code) for code in outline.get(f"{LW}languages", "").split(",") if code)
    except ValueError as error:
        raise ValueError(f"account {account_id}: {error}") from None
    sources = []
    for child in outline.iter("outline"):
        kind, handle = child.get(f"{LW}kind"), child.get(f"{LW}handle")
        if kind and handle:
            try:
                sources.append(validate_source(kind, handle))
            except ValueError as error:
                raise ValueError(f"account {account_id}: {error}") from None
    if not sources:
        raise ValueError(f"account {account_id} has no sources")
    return Account(
        id=account_id,
        name=_label(outline) or account_id,
        role=outline.get(f"{LW}role", ""),
        country=country,
        languages=languages,
        sources=tuple(sources),
    )


def _plain_accounts(outlines: list[ET.Element], taken: set[str]) -> list[Account]:
    """Any reader's OPML: each distinct `xmlUrl` becomes an account with one rss source."""
    accounts, seen_urls = [], set()
    for outline in outlines:
        url = (outline.get("xmlUrl") or "").strip()
        if not url or url in seen_urls:
            continue
        seen_urls.add(url)
        try:
            spec = validate_source("rss", url)
        except ValueError as error:
            raise ValueError(f"outline {_label(outline)!r}: {error}") from None
        name = _label(outline) or url
        accounts.append(Account(id=_unique(slugify(name), taken), name=name, sources=(spec,)))
    return accounts


def parse_opml(text: str, reserved_ids: Collection[str] = ()) -> list[Account]:
    """Accounts from an OPML document; ValueError says what is wrong with it.

    Ids made up for a plain reader's feeds avoid `reserved_ids` (e.g. accounts already in
    the database), so an import never replaces an account by accident.
    """
    if DECLARATION.search(text):
        raise ValueError(
            "OPML with a DOCTYPE or ENTITY declaration is refused (entity expansion risk)"
        )
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise ValueError(f"not valid XML: {error}") from None
    body = root.find("body") if root.tag == "opml" else None
    if body is None:
        raise ValueError("not an OPML document: expected <opml> with a <body>")
    ours = [o for o in body.iter("outline") if o.get(f"{LW}id")]
    inside_ours = {id(child) for o in ours for child in o.iter("outline")}
    accounts = [_our_account(o) for o in ours]
    ours_ids = {a.id for a in accounts}
    if len(ours_ids) != len(accounts):
        raise ValueError("the OPML names the same account id twice")
    taken = ours_ids | set(reserved_ids)
    others = [o for o in body.iter("outline") if id(o) not in inside_ours]
    accounts += _plain_accounts(others, taken)
    if not accounts:
        raise ValueError("no feeds found: the OPML needs <outline> elements with an xmlUrl")
    return accounts


def read_account_document(text: str, name: str, reserved_ids: set[str]) -> list[Account]:
    """Accounts from an OPML or watchlist YAML document, told apart by content."""
    if text.lstrip().startswith("<"):
        try:
            return parse_opml(text, reserved_ids)
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None
    return parse_watchlist(text, name)
