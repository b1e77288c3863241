"""Each story counted once: set aside the copies ``kcna-themes tag`` marked with ``duplicate_of``.

The tagger marks a near-duplicate (a reprint, the same page captured twice,
Naenara carrying KCNA's story) with the id of the story's first occurrence.
A report counts that first occurrence and sets the copies aside, so a story
published three times weighs as one.

When the first occurrence is not among the report's input (the analyst passed
only some of the tagged files), the first copy of it in input order stands in
for the story: the story is still counted once, not zero times.
Records without the field (files from older taggers) are never copies.
"""

from __future__ import annotations

from collections.abc import Sequence

from .reading import TaggedArticle


def is_marked(articles: Sequence[TaggedArticle]) -> bool:
    """Whether the input carries the tagger's duplicate marking at all."""
    return any(a.dedup_marked for a in articles)


def split_duplicates(articles: Sequence[TaggedArticle]) -> tuple[list[TaggedArticle], list[TaggedArticle]]:
    """(the articles that count, the copies set aside), each in input order."""
    originals = {a.id for a in articles if not a.duplicate_of or a.duplicate_of == a.id}
    stood_in: set[str] = set()
    counted, copies = [], []
    for article in articles:
        story = article.duplicate_of
        if not story or story == article.id:
            counted.append(article)
        elif story in originals or story in stood_in:
            copies.append(article)
        else:
            stood_in.add(story)
            counted.append(article)
    return counted, copies


def counted_articles(articles: Sequence[TaggedArticle], keep_duplicates: bool = False) -> list[TaggedArticle]:
    """The articles a report counts: every one with ``keep_duplicates``, else each story once."""
    if keep_duplicates or not is_marked(articles):
        return list(articles)
    return split_duplicates(articles)[0]
