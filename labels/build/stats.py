"""Print the tables in labels/README.md: counts per theme and reading agreement.

    python labels/build/stats.py
"""

from collections import Counter

from merge import LABELS, THEMES, read_jsonl, read_labels


def agreement(first: dict, second: dict, ids) -> list[str]:
    rows = []
    for t in THEMES:
        a = sum(t in first[i] for i in ids)
        b = sum(t in second[i] for i in ids)
        both = sum(t in first[i] and t in second[i] for i in ids)
        f1 = f"{2 * both / (a + b):.3f}" if a + b else "n/a"
        rows.append(f"| {t} | {a} | {b} | {both} | {f1} |")
    exact = sum(set(first[i]) == set(second[i]) for i in ids)
    rows.append(f"| *all themes exactly equal* | | | {exact} of {len(ids)} | {exact / len(ids):.3f} |")
    return rows


def main() -> None:
    rows = read_jsonl(LABELS / "kcna-2011.jsonl")
    group = {"random": "random sample", "search": "title search", "neighbours": "nearest neighbours",
             "uncertain": "model uncertainty"}
    for r in rows:
        r["sample"] = group[r["sample"].split(":")[0]]
    kinds = list(group.values())
    print("| theme | all | " + " | ".join(kinds) + " |")
    print("|---|---:|" + "---:|" * len(kinds))
    for t in list(THEMES) + ["(none)"]:
        has = (lambda r: not r["themes"]) if t == "(none)" else (lambda r, t=t: t in r["themes"])
        cells = [str(sum(has(r) for r in rows if r["sample"] == k)) for k in kinds]
        print(f"| {t} | {sum(has(r) for r in rows)} | " + " | ".join(cells) + " |")
    print(f"| articles | {len(rows)} | " + " | ".join(str(sum(r['sample'] == k for r in rows)) for k in kinds) + " |")
    n_themes = Counter(len(r["themes"]) for r in rows)
    print("\nthemes per article:", dict(sorted(n_themes.items())))

    raw_first = {}
    for path in sorted((LABELS / "readings").glob("first_*.jsonl")):
        for row in read_jsonl(path):
            raw_first[row["id"]] = row["themes"]
    second = read_labels("second")
    for title, batch in (("random sample and title-search draws", ("second_1", "second_2")),
                         ("nearest-neighbour draw", ("second_3",)),
                         ("economic-front draw", ("second_4",))):
        ids = [r["id"] for b in batch for r in read_jsonl(LABELS / "readings" / f"{b}.jsonl")]
        print(f"\nAgreement, {title}: {len(ids)} articles, first vs second reading (before adjudication)")
        print("| theme | first reading | second reading | both | F1 |\n|---|---:|---:|---:|---:|")
        print("\n".join(agreement(raw_first, second, ids)))
    ids = list(second)
    print(f"\nAgreement, all {len(ids)} second readings")
    print("| theme | first reading | second reading | both | F1 |\n|---|---:|---:|---:|---:|")
    print("\n".join(agreement(raw_first, second, ids)))


if __name__ == "__main__":
    main()
