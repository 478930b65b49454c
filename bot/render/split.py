"""Telegram HTML cut under Telegram's length limits, every part valid HTML on its own.

Texts over 4096 characters (captions: 1024), counted in UTF-16 units as Telegram does,
are split at line (else word) boundaries; tags open at a cut are closed and reopened in
the next part; a cut never falls inside a tag or an entity.
"""

from __future__ import annotations

import re

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

TOKEN = re.compile(r"<[^>]*>|&#?\w+;|\n|[^\S\n]+|[^\s<&]+|[<&]")
TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")


def utf16_units(value: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji can count twice)."""
    return len(value.encode("utf-16-le")) // 2


def _tokens(html: str, longest: int) -> list[str]:
    tokens = []
    for token in TOKEN.findall(html):
        if token[0] not in "<&" and len(token) > longest:
            tokens.extend(token[i : i + longest] for i in range(0, len(token), longest))
        else:
            tokens.append(token)
    return tokens


def _after(stack: list[tuple[str, str]], token: str) -> list[tuple[str, str]]:
    """The open-tag stack after `token` (a list of (name, opening tag text))."""
    match = TAG_NAME.match(token) if token.startswith("<") else None
    if match is None or token.endswith("/>"):
        return stack
    name = match.group(1).lower()
    if token.startswith("</"):
        for index in range(len(stack) - 1, -1, -1):
            if stack[index][0] == name:
                return stack[:index] + stack[index + 1 :]
        return stack
    return [*stack, (name, token)]


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _visible(html: str) -> bool:
    return bool(re.sub(r"<[^>]*>", "", html).strip())


def split_html(html: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Parts of at most `limit` UTF-16 units each, every one valid HTML on its own.

    Cuts go at the last line break before an unindented line when that keeps at least half a
    part (indented lines belong to the line above them, e.g. a source's details in /status),
    else at the last line break, else at the last space, else inside a long word (never
    inside a tag or an entity).
    """
    if utf16_units(html) <= limit:
        return [html] if _visible(html) else []
    tokens = _tokens(html, max(limit // 4, 1))
    parts: list[str] = []
    start, stack = 0, []
    while start < len(tokens):
        prefix = "".join(opening for _, opening in stack)
        size, current = utf16_units(prefix), stack
        block_break: tuple[int, list[tuple[str, str]], int] | None = None
        line_break: tuple[int, list[tuple[str, str]], int] | None = None
        space: tuple[int, list[tuple[str, str]], int] | None = None
        index = start
        while index < len(tokens):
            token = tokens[index]
            following = _after(current, token)
            if index > start and size + utf16_units(token) + utf16_units(_closing(following)) > limit:
                break
            size, current, index = size + utf16_units(token), following, index + 1
            if token == "\n":
                line_break = (index, current, size)
                if index == len(tokens) or not tokens[index].isspace():
                    block_break = line_break
            elif token.isspace():
                space = (index, current, size)
        if index == len(tokens):
            cut, cut_stack = index, current
        elif block_break and block_break[2] >= limit // 2:
            cut, cut_stack = block_break[0], block_break[1]
        elif line_break and (line_break[2] >= limit // 2 or not space or space[0] <= line_break[0]):
            cut, cut_stack = line_break[0], line_break[1]
        elif space:
            cut, cut_stack = space[0], space[1]
        else:
            cut, cut_stack = index, current
        part = prefix + "".join(tokens[start:cut]) + _closing(cut_stack)
        if _visible(part):
            parts.append(part)
        start, stack = cut, cut_stack
    return parts
