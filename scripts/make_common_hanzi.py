"""Write decextract/data/common_hanzi.txt: the 1500 most frequent Han characters of jieba's dictionary.

The PDF reader's garbled-text check (readers/pagecheck.py) asks what share of a
page's ideographs are common ones: real Chinese prose is mostly made of them, a
text layer decoded through a wrong ToUnicode map is not.  Frequencies are jieba's
word counts spread over each word's characters, so the list is general Chinese,
not fitted to any disclosure.  Run: python scripts/make_common_hanzi.py
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import jieba

N = 1500


def main() -> None:
    counts: Counter[str] = Counter()
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        for line in f:
            word, freq, *_ = line.split()
            for ch in word:
                if "\u4e00" <= ch <= "\u9fff":
                    counts[ch] += int(freq)
    chars = "".join(ch for ch, _ in counts.most_common(N))
    out = Path(__file__).resolve().parents[1] / "decextract" / "data" / "common_hanzi.txt"
    lines = [chars[i:i + 50] for i in range(0, len(chars), 50)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(chars)} characters to {out}")


if __name__ == "__main__":
    main()
