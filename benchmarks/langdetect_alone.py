"""langdetect alone over a JSONL file of `{"text": …}` lines: the yardstick for `classify --jsonl`.

    python -m benchmarks.langdetect_alone FILE

The same work a minimal detector would do: load the profiles, seed, detect every text.
"""

from __future__ import annotations

import json
import sys

from langdetect import DetectorFactory, detect
from langdetect.lang_detect_exception import LangDetectException


def main() -> None:
    DetectorFactory.seed = 0
    with open(sys.argv[1], encoding="utf-8") as lines:
        for line in lines:
            try:
                print(detect(json.loads(line)["text"]))
            except LangDetectException:
                print("und")


if __name__ == "__main__":
    main()
