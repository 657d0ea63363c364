"""Colour contrast of the design palette (static_src/css/carrefour.css), by WCAG 2.1's formula.

axe checks the pairs a rendered page happens to use; this checks every pair the stylesheet is
designed to use, so a palette edit cannot quietly break AA on a page no browser test visits.
"""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "static_src" / "css" / "carrefour.css"

# (foreground, background, minimum ratio): 4.5 for text, 3 for borders and focus rings (1.4.11).
PAIRS = [
    ("--text", "--bg", 4.5),
    ("--text", "--surface", 4.5),
    ("--text", "--info-bg", 4.5),
    ("--text", "--success-bg", 4.5),
    ("--text", "--warning-bg", 4.5),
    ("--text", "--error-bg", 4.5),
    ("--muted", "--bg", 4.5),
    ("--muted", "--surface", 4.5),
    ("--primary", "--bg", 4.5),
    ("--primary", "--surface", 4.5),
    ("--primary", "--info-bg", 4.5),
    ("--primary-hover", "--bg", 4.5),
    ("--on-primary", "--primary", 4.5),
    ("--on-primary", "--primary-hover", 4.5),
    ("--on-primary", "--header-bg", 4.5),
    ("--header-muted", "--header-bg", 4.5),
    ("--header-bg", "--on-primary", 4.5),
    ("--header-bg", "--header-muted", 4.5),
    ("--on-primary", "--heart", 4.5),
    ("--on-primary", "--holder", 4.5),
    ("--danger", "--bg", 4.5),
    ("--danger", "--error-bg", 4.5),
    ("--border", "--bg", 3),
    ("--focus", "--bg", 3),
    ("--focus", "--surface", 3),
    ("--focus-on-dark", "--header-bg", 3),
]


def palette():
    root = re.search(r":root\s*{(.*?)}", CSS.read_text(encoding="utf-8"), re.S).group(1)
    return dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;", root))


def luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("foreground,background,minimum", PAIRS)
def test_palette_pair_meets_wcag_aa(foreground, background, minimum):
    colours = palette()
    ratio = contrast(colours[foreground], colours[background])
    assert ratio >= minimum, f"{foreground} on {background}: {ratio:.2f}:1 < {minimum}:1"
