"""Apply the consistency re-reading of culture (ruling 7) to the labels' `heritage`.

296 labelled articles about food, customs, crafts, arts, relics, stamps and traditional
medicine (chosen by their titles and first readers' notes, every era, random samples
included; articles labelled `leader` left out) were read again by two independent
readers each (``readings/culture_a*.jsonl`` for one half, ``culture_b*.jsonl`` for the
other), with the reading of ruling 7 in ``annotator-brief-culture.md``. Where both
readers agree on `heritage` and the label says otherwise, the label's `heritage` is
changed (its other themes are kept); where they disagree with each other, the label
stands. The changes go to ``adjudication.jsonl``; this prints the agreement and counts.

    python labels/build/culture_reread.py            # print only
    python labels/build/culture_reread.py --write    # append the changes to adjudication.jsonl
"""

import json
import sys
from collections import Counter

from merge import HERE, LABELS, OUTPUTS, read_jsonl


def main(write: bool) -> None:
    labelled = {r["id"]: r for name in OUTPUTS for r in read_jsonl(LABELS / name)}
    pairs = {}
    for half in ("a", "b"):
        one, two = ({r["id"]: r for r in read_jsonl(LABELS / "readings" / f"culture_{half}{k}.jsonl")} for k in "12")
        assert one.keys() == two.keys(), half
        pairs.update((i, (one[i], two[i])) for i in one)
    both = sum("heritage" in a["themes"] and "heritage" in b["themes"] for a, b in pairs.values())
    either = sum(("heritage" in a["themes"]) + ("heritage" in b["themes"]) for a, b in pairs.values())
    exact = sum(set(a["themes"]) == set(b["themes"]) for a, b in pairs.values())
    print(f"{len(pairs)} articles re-read twice; the two readings' heritage F1 {2 * both / either:.3f}, "
          f"all themes equal in {exact}")
    changes, kinds = [], Counter()
    for i, (a, b) in pairs.items():
        first, second = "heritage" in a["themes"], "heritage" in b["themes"]
        label = labelled[i]
        if first != second or first == ("heritage" in label["themes"]):
            continue
        themes = sorted(set(label["themes"]) - {"heritage"} | ({"heritage"} if first else set()))
        era = label["date"][:4]
        kinds[("added" if first else "removed", era if era in ("2011", "2024") else "2015-2017",
               label["sample"].split(":")[0])] += 1
        changes.append({"id": i, "themes": themes, "reason": (
            f"culture re-read (ruling 7), two readers agree: {'heritage' if first else 'not heritage'}; "
            f"notes: {a['note']} / {b['note']}")})
    print(f"{len(changes)} labels change:")
    for (change, era, kind), n in sorted(kinds.items()):
        print(f"  heritage {change}: {era} {kind}: {n}")
    if write:
        with open(HERE / "adjudication.jsonl", "a", encoding="utf-8") as fh:
            for row in changes:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main("--write" in sys.argv[1:])
