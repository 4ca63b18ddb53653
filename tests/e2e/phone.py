"""The one check that a page fits a phone: nothing makes the page wider than the viewport (the
site has no page-wide ``overflow-x: hidden``, so this can fail). On failure it names the elements
that stick out, so the message says what to fix."""

from __future__ import annotations

from typing import Any

PHONE = 360

_STICKING_OUT = """(width) => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > width + 0.5
    && !e.closest('.table-responsive, .leaflet-container'))
  .slice(0, 8)
  .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')}`
    + ` right=${Math.round(e.getBoundingClientRect().right)}: ${(e.innerText || '').slice(0, 40)}`)"""


def fits_the_phone(page: Any, width: int = PHONE) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        raise AssertionError(
            f"the page is {scroll} px wide at {width}: {page.evaluate(_STICKING_OUT, width)}"
        )
