"""How long cleaning a page capture takes when none of its lines ends a sentence.

Such a capture makes every line continue the paragraph before it; rejoining used to
rebuild and re-search the whole paragraph at each line (quadratic). Prints the size
and the time of ``parse_capture_text`` for each line count given.

    python benchmarks/rejoin.py 2000 4000 8500 17000
"""

import sys
import time

from kcna_themes.captures import parse_capture_text


def main(counts: list[int]) -> None:
    for n in counts:
        raw = "\n".join(f"the delegation of workers went on to the site number {i} and" for i in range(n))
        start = time.perf_counter()
        parse_capture_text(raw)
        print(f"{n} lines, {len(raw):,} bytes: {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2000, 4000, 8500, 17000])
