"""Boxes side by side where the screen is wide, one under another where it is narrow.

Streamlit's columns keep their count down to a 640 px wide window: at 800x1000 the sidebar
leaves a main column of 468 px, and three columns of it cut a metric to "343.…", a select box
to "Helsinki (tria" and a download button to "C". Here boxes have the width they have at
1366x768 (main column 906 px with the sidebar open) and sit in a row that wraps: side by side
there, and on the next line where they would not fit, their text whole. Texts that are longer in
Finnish and Swedish wrap inside their box rather than being cut."""

from __future__ import annotations

import streamlit as st

# The main column at 1366x768 with the sidebar open.
MAIN_PX = 906
# Streamlit's "small" gap (1rem) between the boxes of a horizontal container.
GAP_PX = 16


def card_px(per_row: int, room: int = MAIN_PX) -> int:
    """The width of a box of which `per_row` fill `room` (the main column at 1366 px)."""
    return (room - GAP_PX * (per_row - 1)) // per_row


def widths_px(spec, room: int = MAIN_PX) -> list[int]:
    """Relative widths (as st.columns takes them, or a count) as pixels that fill `room`."""
    weights = [1] * spec if isinstance(spec, int) else list(spec)
    free = room - GAP_PX * (len(weights) - 1)
    return [int(free * w / sum(weights)) for w in weights]


def grid(vertical_alignment: str = "top"):
    """A horizontal container whose boxes wrap onto the next line where the screen is too
    narrow; its boxes are containers of a width in pixels."""
    return st.container(
        horizontal=True, wrap=True, gap="small", vertical_alignment=vertical_alignment
    )


def row(spec, *, vertical_alignment: str = "top", room: int = MAIN_PX) -> list:
    """Like st.columns(spec): containers side by side, as wide as the columns would be at
    1366 px, that wrap onto the next line where the screen is narrower."""
    with grid(vertical_alignment):
        return [st.container(width=w) for w in widths_px(spec, room)]


def boxes(*widths: int, vertical_alignment: str = "top") -> list:
    """Containers of these widths in pixels side by side, wrapping where the screen is narrow."""
    with grid(vertical_alignment):
        return [st.container(width=w) for w in widths]
