"""Digests: lists of one-line items from several papers or events (codebook ruling 11).

A "Press Review" names a dozen stories in a line each, every one of them reported on
its own elsewhere, so it has no main subject and, by the codebook, no theme, whatever
its items are about. A model cannot learn that from eras that had no digests: KCNA
carried none in 2011 or 2015-2017, and a model trained on those eras tags 2024's Press
Reviews ``leader`` (up to 0.99) or ``construction`` because their items are. The
ruling is about the article's form, not its words, so ``ThemeClassifier`` applies it
as written (``digest_rule``): a digest scores zero on every theme.

A digest is recognised by what KCNA's digests say they are, in the headline ("Press
Review", "Review of Rodong Sinmun") or the opening ("Following are major news items
and articles in leading newspapers ..."), or by their shape: most of the body is
"- " item lines. A list of one event's results ("- Senior men's singles") has a few
such lines among many others, and is not a digest.
"""

from __future__ import annotations

import re

_HEADLINE = re.compile(r"^\s*(?:Press Review|Review of [A-Z][\w'. -]{0,40}?(?:Sinmun|Joson|Times|Newspapers?))\s*$")
_OPENING = re.compile(r"\bFollowing are (?:the )?(?:major |main )?news items\b", re.IGNORECASE)
_ITEM = re.compile(r"^\s*[-•*]\s+\S")
MIN_ITEMS = 5  # "- " lines a digest has at least, when only its shape tells


def is_digest(text: str) -> bool:
    """Whether a classifier text (headline, newline, body) is a digest under ruling 11."""
    headline, _, body = text.partition("\n")
    if _HEADLINE.match(headline) or _OPENING.search(body[:400]) or _OPENING.search(headline[:400]):
        return True
    lines = [line for line in body.splitlines() if line.strip()]
    items = sum(1 for line in lines if _ITEM.match(line))
    return items >= MIN_ITEMS and 2 * items >= len(lines)
