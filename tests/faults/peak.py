"""`python -m tests.faults.peak ARGS` runs `python -m bot ARGS` and, at exit, writes the
process's peak resident memory in kB (VmHWM) to the file named by $FAULTS_PEAK_FILE.

The kernel's rusage of a child counts the parent's resident pages at fork time, so a
parent that has loaded the classifier reports every child at 240 MB or more; VmHWM
starts afresh at exec, so it is the bot's own peak.
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys
from pathlib import Path


def _write_peak() -> None:
    status = Path("/proc/self/status").read_text()
    peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    Path(os.environ["FAULTS_PEAK_FILE"]).write_text(peak)


def peak_mb(path: Path) -> float:
    """What a run wrote to `path`, in MB."""
    return int(path.read_text()) / 1024


if __name__ == "__main__":
    atexit.register(_write_peak)
    sys.argv = ["bot", *sys.argv[1:]]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
