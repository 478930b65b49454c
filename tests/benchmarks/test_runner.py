"""The benchmark runner works (quick sizes): it prints its table and its figures add up.

Speed is never asserted here (the machine is shared and noisy); only that every step ran
to the end and counted what it should.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_prints_the_table_with_sane_figures(tmp_path):
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| measure" in done.stdout and "machine at start:" in done.stdout
    figures = json.loads(out.read_text())["figures"]
    assert "ingest_60x3" in figures
    for ingest in (figures[name] for name in figures if name.startswith("ingest_")):
        assert ingest["new_statements"] == ingest["feeds"] * ingest["entries"]
        assert ingest["failed_sources"] == 0
        assert ingest["share_304"] == 1.0
        assert 0 < ingest["first_peak_mb"] < 2000 and ingest["second_seconds"] > 0
    classifier = figures["classifier"]
    assert classifier["statements"] > 200
    assert 0 < classifier["median_ms"] <= classifier["p95_ms"]
    assert classifier["cli_seconds"] > 0 and classifier["langdetect_seconds"] > 0
    for fanout in figures["fanout"]:
        assert fanout["accepted"] == fanout["chats"]
        assert fanout["rate"] > 0
    latency = figures["latency"]
    assert latency["samples"] == 3
    assert 0 < latency["p50"] <= latency["p95"] < 120
    for workers in figures.get("workers", []):  # only where PostgreSQL is available
        assert workers["statements"] == 30 * 5 and workers["seconds"] > 0
        assert workers["startup_seconds"] > 0 and workers["startup_cpu_seconds"] > 0  # timed apart, not in the rate
