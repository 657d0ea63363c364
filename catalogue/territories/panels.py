"""Panels other apps add to the territory pages (catalogue imports none of them).

An app registers a function ``panel(request, territory) -> dict | None`` (typically in its
``AppConfig.ready``): the dict has ``title`` and ``template`` (rendered with the dict as
context, plus ``territory`` and ``request``), or None when it has nothing to show. The
community app adds the holders who claimed pages in the territory and its active spaces.
"""

from __future__ import annotations

from collections.abc import Callable

from django.template.loader import render_to_string

_PANELS: list[tuple[int, Callable]] = []


def register(panel: Callable, order: int = 100) -> Callable:
    if all(existing is not panel for _o, existing in _PANELS):
        _PANELS.append((order, panel))
        _PANELS.sort(key=lambda item: item[0])
    return panel


def registered() -> list[Callable]:
    return [panel for _order, panel in _PANELS]


def render(request, territory) -> list[dict]:
    """[{"title", "html"}] of the panels that have something to show."""
    out = []
    for panel in registered():
        found = panel(request, territory)
        if not found:
            continue
        context = {**found, "territory": territory}
        html = render_to_string(found["template"], context, request=request)
        out.append({"title": found["title"], "html": html})
    return out
