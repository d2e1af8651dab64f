"""Text from outside shown as text: the one rule, and its helpers.

Outside text is anything Trialwatch did not write itself: an extract's names (trials, trial areas,
municipalities, regions, providers), its manifest's `source` and `description` and the folder it
was loaded from, a saved view's name and who saved it, every URL parameter (echoed in the "left
out" notices), and the messages of errors that quote any of these. Streamlit reads the text of
`st.markdown`, captions, alerts, titles, widget labels and radio options as Markdown, where such
text could make a link ("Session expired - log in again"), fetch an image from an outside address,
or change how a page reads. So:

- the builders (lib/figures) return plain text: titles, captions, notes and messages as people
  read them, outside text in them as it is (downloads write it so);
- whatever draws plain text into a Markdown-reading element passes it through `as_text`, and
  outside text never goes through `st.markdown` any other way; no HTML is written at all (no
  `unsafe_allow_html`, tests/test_architecture.py); elements that show text as it is (tables,
  charts, code, select box and multiselect options) take it unchanged.

tests/web/test_hostile.py fails when a page passes outside text to a Markdown-reading element
unescaped, and tests/web/test_hostile_e2e.py when a browser shows an element the text names or a
request leaves the machine.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character: CommonMark lets a backslash escape any of them, and a
# backslash-escaped character is always literal text (no link, image, emphasis, code, HTML,
# directive such as :red[...], math or table syntax can start from it).
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Line breaks and other control characters would start new Markdown blocks (a heading, a list,
# a quote) or move a terminal's cursor: a space instead.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
# GitHub's autolinks are found in the text after escapes are read (an escaped "http\://" is
# still linked), so a word joiner (U+2060, invisible, no line break) goes inside what would start
# one: "http://", "https://", "www." and the "@" of an address.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?<=\bhttp)(?=s?:)|(?<=\bww)(?=w\.)|(?<=@)(?=\w)")


def as_text(value: object) -> str:
    """`value` as Markdown that shows exactly its characters, on one line: for outside text (and
    any plain text) drawn into st.markdown, captions, alerts, titles, labels or radio options."""
    text = _CONTROL.sub(" ", "" if value is None else str(value))
    return _PUNCTUATION.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, text))


def join_lines(lines) -> str:
    """Plain lines as one Markdown text, a line break between them (a caption of several)."""
    return "  \n".join(as_text(line) for line in lines if line)


def as_read(markdown: str) -> str:
    """What a person reads of `as_text`'s output: the escapes resolved and the word joiners
    gone (for tests that check what a page says)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")
