"""`classify --jsonl -` streams: each answer is printed while the input is still open, so a
consumer can write a line and read its answer before writing the next. Before, every line was
kept until the end of the input, and a pipe that stayed open got no answer at all."""

from __future__ import annotations

import io
import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
STARTUP = 120.0  # loading the classifier on a busy machine; an answer never comes before this fix


def _read_line(stream: IO[bytes], timeout: float) -> bytes:
    """One line from a pipe, or AssertionError when none comes within `timeout` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            if not selector.select(max(0.0, deadline - time.monotonic())):
                raise AssertionError(f"no answer within {timeout} s (got {line!r})")
            byte = os.read(stream.fileno(), 1)  # unbuffered: never reads past the line
            if not byte:
                raise AssertionError(f"the pipe closed (got {line!r})")
            line += byte
    return line


def test_each_line_is_answered_before_the_next_is_written(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LADDERWATCH_", "TELEGRAM_", "DATABASE_URL"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", LADDERWATCH_TRANSLATOR="none")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "classify", "--jsonl", "-", "--no-translate"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    try:
        texts = ["Any attack will be met with a firm response.", "We welcome the ceasefire and call for talks."]
        answers = []
        for number, text in enumerate(texts, 1):
            process.stdin.write(json.dumps({"id": number, "text": text}).encode() + b"\n")
            process.stdin.flush()
            answers.append(json.loads(_read_line(process.stdout, STARTUP if number == 1 else 30)))
        assert [(a["id"], a["label"]) for a in answers] == [(1, "escalation"), (2, "de-escalation")]

        process.stdin.write(b"not json\n")  # a bad line is reported at once, on stderr
        process.stdin.flush()
        assert _read_line(process.stderr, 30) == b"-:3: not JSON (Expecting value); line skipped\n"

        process.stdin.write(json.dumps({"id": 4, "text": "We expel the ambassador."}).encode() + b"\n")
        process.stdin.close()
        assert json.loads(_read_line(process.stdout, 30))["id"] == 4
        assert process.wait(timeout=30) == 1  # a line was bad
        assert process.stdout.read() == b"" and b"Traceback" not in process.stderr.read()
    finally:
        process.kill()
        process.wait()


def test_a_large_input_is_read_a_chunk_at_a_time_in_bounded_batches():
    """Memory stays bounded: the first batch comes after one read, however long the input."""
    from bot.jsonl_input import BATCH_LINES, CHUNK_BYTES, read_jsonl_batches

    class Counted(io.BytesIO):
        def read1(self, size: int = -1, /) -> bytes:
            self.reads = getattr(self, "reads", 0) + 1
            return super().read1(size)

    lines = 20_000
    data = Counted(b"".join(json.dumps({"id": n, "text": f"text {n}"}).encode() + b"\n" for n in range(lines)))
    batches = read_jsonl_batches(data, "in.jsonl", ["text"], BATCH_LINES)
    first = next(batches)
    assert data.reads == 1 and data.tell() <= CHUNK_BYTES and len(first) == BATCH_LINES
    sizes = [len(first)] + [len(batch) for batch in batches]
    assert max(sizes) == BATCH_LINES and sum(sizes) == lines
