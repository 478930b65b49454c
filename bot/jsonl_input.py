"""JSONL input of `classify --jsonl` and `eval`: read line by line, each line bounded.

The input is read in chunks of at most `CHUNK_BYTES` and split into lines as bytes; a line longer
than `MAX_LINE_BYTES` is dropped as it is read (never built) and reported as that line's error, so
memory stays near one chunk plus one line however long a line is (before, a 34 MB line cost
700 MB and 14 s). A read returns what is there (`read1`), so lines come in batches of what has
arrived, at most `BATCH_LINES`: from a file, full batches; from a pipe whose writer waits for
each answer, one line at a time. Each line is checked as UTF-8 on its own; a bad byte stops the
command there, naming the line and the byte offset in the whole input (the lines before it
have had their answers).
"""

from __future__ import annotations

import io
import json
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from bot.cli_errors import CommandError
from bot.settings import NotUtf8Error, decode_utf8

MAX_LINE_BYTES = 1_000_000  # one input line; the classifier reads only the first 10,000 characters
CHUNK_BYTES = 64 * 1024
BATCH_LINES = 256  # classified together (one worker-thread hop), then printed
BOM = b"\xef\xbb\xbf"

Line = tuple[int, int, bytes | None]  # line number, byte offset where it starts, its bytes or None (too long)
JsonlRow = tuple[int, dict[str, object] | None, str | None]  # line number, object or None, error or None


class ByteInput(Protocol):
    """A binary input read without waiting for more than is there (a file, a pipe, BytesIO)."""

    def read1(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


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


def line_batches(stream: ByteInput, limit: int = MAX_LINE_BYTES) -> Iterator[list[Line]]:
    """The lines each read of `stream` completes, as (line number, byte offset where it starts,
    its bytes without the line break); the bytes are None for a line longer than `limit`, whose
    bytes were dropped. Each read takes what is there, so a line is seen as soon as it arrives."""
    line, too_long, number, start, read = bytearray(), False, 1, 0, 0
    while chunk := stream.read1(CHUNK_BYTES):
        done: list[Line] = []
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
            done.append((number, start, None if too_long else bytes(line)))
            line.clear()
            too_long, number, start = False, number + 1, read + end + 1
            position = end + 1
        read += len(chunk)
        if done:
            yield done
    if line or too_long:
        yield [(number, start, None if too_long else bytes(line))]


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


def _row(line: Line, name: str, required: Sequence[str]) -> JsonlRow | None:
    """(line number, object or None, error or None) of one line; None for a blank line;
    CommandError for a line that is not UTF-8."""
    number, start, data = line
    if data is None:
        return number, None, too_long_error()
    text = _decoded(data, name, number, start)
    if not text.strip():
        return None
    try:
        item = json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except json.JSONDecodeError as error:
        return number, None, f"not JSON ({error.msg})"
    except ValueError as error:  # NaN, Infinity, 1e999: the output line would not be JSON either
        return number, None, f"not JSON ({error})"
    if not isinstance(item, dict):
        return number, None, "expected a JSON object"
    missing = [key for key in required if not isinstance(item.get(key), str) or blank(item[key])]
    if missing:
        return number, None, f"missing or empty {', '.join(repr(m) for m in missing)}"
    return number, item, None


def read_jsonl_batches(stream: ByteInput, name: str, required: Sequence[str], size: int) -> Iterator[list[JsonlRow]]:
    """The non-blank lines in batches of what has been read, at most `size` each; at a line that
    is not UTF-8 the rows before it come first, then CommandError."""
    for lines in line_batches(stream):
        rows: list[JsonlRow] = []
        for line in lines:
            try:
                row = _row(line, name, required)
            except CommandError:
                if rows:
                    yield rows
                raise
            if row is not None:
                rows.append(row)
            if len(rows) == size:
                yield rows
                rows = []
        if rows:
            yield rows


def open_input(name: str) -> ByteInput:
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


def jsonl_batches(name: str, required: Sequence[str], size: int = BATCH_LINES) -> Iterator[list[JsonlRow]]:
    """`read_jsonl_batches` of the input `name` (a file, or `-`), closing a file at the end."""
    stream = open_input(name)
    try:
        yield from read_jsonl_batches(stream, name, required, size)
    finally:
        if name != "-":
            stream.close()


def jsonl_rows(name: str, required: Sequence[str]) -> Iterator[JsonlRow]:
    """Every row of the input `name`, one at a time (for `eval`, which needs them all anyway)."""
    for batch in jsonl_batches(name, required):
        yield from batch
