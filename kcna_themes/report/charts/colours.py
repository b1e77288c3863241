"""A fixed colour per theme, shared by every chart (PNG and HTML)."""

from __future__ import annotations

from collections.abc import Iterable

# Okabe-Ito (colour-blind safe). Fixed per theme, so a theme keeps its colour in
# every chart whatever else is plotted beside it.
THEME_COLOURS = {
    "leader": "#0072B2",        # blue
    "construction": "#E69F00",  # orange
    "agriculture": "#009E73",   # bluish green
    "sport": "#CC79A7",         # reddish purple
    "heritage": "#D55E00",      # vermillion
    "diplomacy": "#56B4E9",     # sky blue
}
_EXTRA_COLOURS = ("#000000", "#7F7F7F", "#8C564B", "#BCBD22", "#17BECF", "#F0E442")


def theme_colours(themes: Iterable[str]) -> dict[str, str]:
    """A colour per theme: fixed for the six known themes, then further colours for
    other themes by sorted name, so the same input always gets the same colours."""
    themes = list(themes)
    extras = sorted(t for t in themes if t not in THEME_COLOURS)
    colours = {t: THEME_COLOURS[t] for t in themes if t in THEME_COLOURS}
    for i, theme in enumerate(extras):
        colours[theme] = _EXTRA_COLOURS[i % len(_EXTRA_COLOURS)]
    return colours
