"""JSONL input of `classify --jsonl` and `eval`: read line by line, each line bounded.

The input is read in chunks of `CHUNK_BYTES` and split into lines as bytes; a line longer than
`MAX_LINE_BYTES` is dropped as it is read (never built) and reported as that line's error, so
memory stays near one chunk plus one line however long a line is (before, a 34 MB line cost
700 MB and 14 s). Each line is checked as UTF-8 on its own; a bad byte still stops the command,
naming the line and the byte offset in the whole input, before anything is printed.
"""

from __future__ import annotations

import io
import json
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from bot.cli_errors import CommandError
from bot.settings import NotUtf8Error, decode_utf8

MAX_LINE_BYTES = 1_000_000  # one input line; the classifier reads only the first 10,000 characters
CHUNK_BYTES = 64 * 1024
BOM = b"\xef\xbb\xbf"

JsonlRow = tuple[int, dict[str, object] | None, str | None]  # line number, object or None, error or None


def blank(text: str) -> bool:
    """Nothing to read: empty, or only spaces and control characters."""
    return not "".join(ch for ch in text if ch.isprintable()).strip()


def _not_json(constant: str) -> float:
    raise ValueError(f"{constant} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:40]} is too large for a JSON number")
    return value


def bounded_lines(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, byte offset where it starts, its bytes without the line break) for every
    line of `stream`; the bytes are None for a line longer than `limit`, whose bytes were dropped."""
    line, too_long, number, start, read = bytearray(), False, 1, 0, 0
    while chunk := stream.read(CHUNK_BYTES):
        position = 0
        while position <= len(chunk):
            end = chunk.find(b"\n", position)
            piece = chunk[position : len(chunk) if end < 0 else end]
            if not too_long and len(line) + len(piece) > limit:
                too_long = True
                line.clear()
            if not too_long:
                line += piece
            if end < 0:
                break
            yield number, start, None if too_long else bytes(line)
            line.clear()
            too_long, number, start = False, number + 1, read + end + 1
            position = end + 1
        read += len(chunk)
    if line or too_long:
        yield number, start, None if too_long else bytes(line)


def _decoded(data: bytes, name: str, number: int, start: int) -> str:
    if number == 1 and data.startswith(BOM):
        data, start = data[len(BOM) :], start + len(BOM)
    try:
        return decode_utf8(data, Path(name), first_line=number, first_offset=start)
    except NotUtf8Error as error:
        raise CommandError(str(error)) from None


def too_long_error() -> str:
    return (
        f"longer than {MAX_LINE_BYTES:,} bytes, the most one input line may hold: shorten its text "
        "(only the first 10,000 characters are classified) or split it into several lines"
    )


def read_jsonl(stream: BinaryIO, name: str, required: Sequence[str]) -> Iterator[JsonlRow]:
    """(line number, object or None, error or None) for every non-blank line; CommandError on a
    line that is not UTF-8."""
    for number, start, data in bounded_lines(stream):
        if data is None:
            yield number, None, too_long_error()
            continue
        line = _decoded(data, name, number, start)
        if not line.strip():
            continue
        try:
            item = json.loads(line, parse_constant=_not_json, parse_float=_finite)
        except json.JSONDecodeError as error:
            yield number, None, f"not JSON ({error.msg})"
            continue
        except ValueError as error:  # NaN, Infinity, 1e999: the output line would not be JSON either
            yield number, None, f"not JSON ({error})"
            continue
        if not isinstance(item, dict):
            yield number, None, "expected a JSON object"
            continue
        missing = [key for key in required if not isinstance(item.get(key), str) or blank(item[key])]
        if missing:
            yield number, None, f"missing or empty {', '.join(repr(m) for m in missing)}"
            continue
        yield number, item, None


def open_input(name: str) -> BinaryIO:
    """The input's bytes: a file, or standard input for `-` (its bytes whatever the locale, so a
    bad byte is named with its line and offset instead of a traceback)."""
    path = Path(name)
    if name == "-":
        buffer = getattr(sys.stdin, "buffer", None)  # None: a text stream put there by the caller
        return io.BytesIO(sys.stdin.read().encode("utf-8", "surrogateescape")) if buffer is None else buffer
    if path.is_dir():
        raise CommandError(f"{name}: is a folder; give a JSONL file (or - for standard input)")
    if not path.is_file():
        raise CommandError(f"{name}: no such file")
    try:
        return path.open("rb")
    except OSError as error:
        raise CommandError(f"{name}: cannot be read: {error.strerror or error}") from None


def jsonl_rows(name: str, required: Sequence[str]) -> Iterator[JsonlRow]:
    """`read_jsonl` of the input `name` (a file, or `-`), closing a file at the end."""
    stream = open_input(name)
    try:
        yield from read_jsonl(stream, name, required)
    finally:
        if name != "-":
            stream.close()
