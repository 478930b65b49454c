"""The watchlist: which accounts are watched, through which sources.

`config/watchlist.yaml` is validated with file, line and reason on every error, so a typo
never silently drops an account; callers keep the last good watchlist when loading fails.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.language import language_hint, unknown_language
from bot.model import Account, SourceKind, SourceSpec
from bot.reader.urls import is_redacted
from bot.settings import NotUtf8Error, check_url, read_utf8

# libyaml's loader when present: a watchlist of thousands of accounts is read at every
# start (bot, poll, each worker), and the pure-Python one takes about 0.4 ms per account.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ACCOUNT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
ACCOUNT_KEYS = {"id", "name", "role", "country", "languages", "sources"}
# A watchlist nests six levels (accounts → account → sources → source); PyYAML composes
# recursively, so a few hundred levels would end in RecursionError. Checked on the event
# stream first, which PyYAML produces without recursion.
MAX_DEPTH = 20


class WatchlistError(ValueError):
    """An invalid watchlist: `str()` is `file:line: reason`."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass(frozen=True)
class _Where:
    path: str

    def error(self, node: Node, reason: str) -> WatchlistError:
        return WatchlistError(self.path, node.start_mark.line + 1, reason)


def _scalar(where: _Where, node: Node, what: str) -> str:
    if not isinstance(node, ScalarNode) or not str(node.value).strip():
        raise where.error(node, f"{what} must be a non-empty text")
    return str(node.value).strip()


def _mapping(node: MappingNode) -> dict[str, tuple[Node, Node]]:
    return {str(key.value): (key, value) for key, value in node.value}


def validate_source(kind: str, handle: str) -> SourceSpec:
    """Check one `kind: handle` pair; raises ValueError with the reason."""
    try:
        source_kind = SourceKind(kind)
    except ValueError:
        raise ValueError(f"unknown source kind {kind!r}: use one of {', '.join(k.value for k in SourceKind)}") from None
    handle = handle.strip()
    if source_kind is SourceKind.RSS:
        try:
            check_url(handle)
        except ValueError as error:
            raise ValueError(f"rss source: {error}") from None
        if is_redacted(handle):
            raise ValueError(
                f"rss source {handle!r}: its credentials were redacted (***) when it was exported or shown; "
                "put the real user name, password or key back in the file"
            )
    if source_kind is SourceKind.MASTODON and not re.match(r"^@?[\w.]+@[\w.-]+\.[a-z]{2,}$", handle):
        raise ValueError(f"mastodon source {handle!r} must look like @user@instance.social")
    if source_kind is SourceKind.BLUESKY and not re.match(r"^@?[\w.-]+\.[\w.-]+$", handle):
        raise ValueError(f"bluesky source {handle!r} must be a handle like name.bsky.social")
    if source_kind in (SourceKind.X, SourceKind.TELEGRAM) and not re.match(r"^@?\w{2,64}$", handle):
        raise ValueError(f"{kind} source {handle!r} must be a handle of letters, digits and _")
    return SourceSpec(source_kind, handle)


def account_language(value: str) -> str:
    """One `languages:` hint as detection reads it (`it`, `it-IT` → `it`); ValueError naming the
    field and the accepted codes (`bot.language.KNOWN_LANGUAGES`, as for `classify --lang`):
    a code detection does not know would be a hint that silently never helps."""
    code = language_hint(value)
    if code is None:
        raise ValueError(f"languages: {unknown_language(value)}")
    return code


def _sources(where: _Where, node: Node) -> tuple[SourceSpec, ...]:
    if not isinstance(node, SequenceNode) or not node.value:
        raise where.error(node, "sources must be a non-empty list like `- rss: https://…`")
    specs = []
    for item in node.value:
        if not isinstance(item, MappingNode) or len(item.value) != 1:
            raise where.error(item, "each source must be one `kind: handle` pair, e.g. `- x: Antonio_Tajani`")
        key, value = item.value[0]
        try:
            specs.append(validate_source(str(key.value), _scalar(where, value, "source handle")))
        except ValueError as error:
            raise where.error(item, str(error)) from None
    return tuple(specs)


def _account(where: _Where, node: Node) -> Account:
    if not isinstance(node, MappingNode):
        raise where.error(node, "each account must be a mapping with id, name and sources")
    fields = _mapping(node)
    unknown = sorted(set(fields) - ACCOUNT_KEYS)
    if unknown:
        raise where.error(
            fields[unknown[0]][0], f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(ACCOUNT_KEYS))}"
        )
    for required in ("id", "name", "sources"):
        if required not in fields:
            raise where.error(node, f"account is missing {required!r}")
    account_id = _scalar(where, fields["id"][1], "id")
    if not ACCOUNT_ID.match(account_id):
        raise where.error(fields["id"][1], f"id {account_id!r} must be a lowercase slug (a-z, 0-9, _ and -)")
    country = _scalar(where, fields["country"][1], "country").upper() if "country" in fields else ""
    if country and not COUNTRY.match(country):
        raise where.error(fields["country"][1], f"country {country!r} must be an ISO 3166 alpha-2 code like IT")
    languages: tuple[str, ...] = ()
    if "languages" in fields:
        node_languages = fields["languages"][1]
        if not isinstance(node_languages, SequenceNode):
            raise where.error(node_languages, "languages must be a list like [it, en]")
        codes = []
        for item in node_languages.value:
            try:
                codes.append(account_language(_scalar(where, item, "language")))
            except ValueError as error:
                raise where.error(item, f"account {account_id}: {error}") from None
        languages = tuple(codes)
    return Account(
        id=account_id,
        name=_scalar(where, fields["name"][1], "name"),
        role=_scalar(where, fields["role"][1], "role") if "role" in fields else "",
        country=country,
        languages=languages,
        sources=_sources(where, fields["sources"][1]),
    )


def check_depth(text: str, path: str) -> None:
    """Refuse YAML nested deeper than MAX_DEPTH before it is composed (which recurses)."""
    depth = 0
    for event in yaml.parse(text, Loader=_YAML_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise WatchlistError(path, line, f"nested more than {MAX_DEPTH} levels deep; a watchlist needs 6")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _yaml_problem(error: yaml.YAMLError, text: str) -> tuple[int, str]:
    """(line, one-line reason) of a YAML error; a reader error (a control character) has no
    mark but the offset of the character, and a message of several lines."""
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 1
    if isinstance(error, yaml.reader.ReaderError):
        line = text[: error.position].count("\n") + 1
        code = ord(error.character) if isinstance(error.character, str) else error.character
        reason = f"character U+{code:04X} at offset {error.position}: {error.reason}"
    else:
        reason = getattr(error, "problem", None) or str(error)
    return line, "not valid YAML: " + " ".join(str(reason).split())


def parse_watchlist(text: str, path: str = "watchlist.yaml") -> list[Account]:
    """Validate a watchlist document; raise WatchlistError naming file, line and reason."""
    where = _Where(path)
    try:
        check_depth(text, path)
        root = yaml.compose(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise WatchlistError(path, *_yaml_problem(error, text)) from None
    if root is None:
        raise WatchlistError(path, 1, "the file is empty; it needs `accounts:` with a list of accounts")
    if not isinstance(root, MappingNode) or "accounts" not in _mapping(root):
        raise where.error(root, "the top level must be a mapping with `accounts:`")
    accounts_node = _mapping(root)["accounts"][1]
    if not isinstance(accounts_node, SequenceNode):
        raise where.error(accounts_node, "accounts must be a list")
    accounts: list[Account] = []
    seen: set[str] = set()
    for node in accounts_node.value:
        account = _account(where, node)
        if account.id in seen:
            raise where.error(node, f"duplicate account id {account.id!r}")
        seen.add(account.id)
        accounts.append(account)
    return accounts


def load_watchlist(path: Path) -> list[Account]:
    shown = str(path)[:300]  # a path of thousands of characters is refused by the system anyway
    try:
        if path.is_dir():
            raise WatchlistError(shown, 0, "is a folder, not a file; put the watchlist file there instead")
        if path.parent.is_file():
            raise WatchlistError(shown, 0, "LADDERWATCH_CONFIG is a file; set it to the folder holding watchlist.yaml")
        if not path.is_file():
            raise WatchlistError(
                shown, 0, "file not found; set LADDERWATCH_CONFIG to the folder holding watchlist.yaml"
            )
    except OSError as error:  # a name too long, a folder without permission…
        raise WatchlistError(
            shown, 0, f"cannot be looked up ({error.strerror or error}); set LADDERWATCH_CONFIG to a usable folder"
        ) from None
    try:
        text = read_utf8(path)
    except NotUtf8Error as error:
        raise WatchlistError(str(path), error.line, error.reason) from None
    except OSError as error:
        raise WatchlistError(str(path), 0, f"cannot read the file: {error.strerror or error}") from None
    return list(_parse_once(text, str(path)))


@functools.lru_cache(maxsize=1)
def _parse_once(text: str, path: str) -> tuple[Account, ...]:
    """The same text is validated once per process: `poll` checks the file, then the pipeline
    seeds the database from it (thousands of accounts take a tenth of a second each time).
    A changed file is a different text, so it is read afresh; errors are never kept."""
    return tuple(parse_watchlist(text, path))


def account_to_dict(account: Account) -> dict[str, object]:
    """The YAML shape of one account (used by export and by `/watch list`)."""
    data: dict[str, object] = {"id": account.id, "name": account.name}
    if account.role:
        data["role"] = account.role
    if account.country:
        data["country"] = account.country
    if account.languages:
        data["languages"] = list(account.languages)
    data["sources"] = [{spec.kind.value: spec.handle} for spec in account.sources]
    return data


def dump_watchlist(accounts: list[Account]) -> str:
    return yaml.safe_dump({"accounts": [account_to_dict(a) for a in accounts]}, allow_unicode=True, sort_keys=False)
