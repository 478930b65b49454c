"""`ladderwatch classify --jsonl … | head`: the reader leaving early is no traceback."""

import json
import subprocess
import sys


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    lines = [json.dumps({"id": i, "text": "Pakistan warns of a firm response to any attack"}) for i in range(3000)]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "classify", "--jsonl", str(source), "--no-translate"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert process.stdout is not None
    process.stdout.readline()  # one line, then the reader goes away, like `head -1`
    process.stdout.close()
    _, errors = process.communicate(timeout=120)
    assert b"Traceback" not in errors, errors.decode()
    assert process.returncode == 141
