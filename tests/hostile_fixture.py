"""The hand fixture with hostile text in every free-text field, for the tests of issue 12.

Every payload is Markdown (and HTML) that would show a link, fetch an image from an outside
address or style the page if it were read as Markdown, and each names the host `evil.example`.
Shown as text, the host is always written with its dot escaped (`evil\\.example`) in a
Markdown-reading element, so a test finds an unescaped one by its plain form. The names are
valid under the contract (no control character, no leading formula character).
"""

from __future__ import annotations

import dataclasses

import polars as pl

from tests.hand_fixture import hand_extract

HOST = "evil.example"


def payload(tag: str) -> str:
    """Markdown and HTML that must be shown as the characters it holds; `tag` names its field."""
    return (
        f"{tag} [Session expired - log in again](http://{HOST}/{tag}) "
        f"![](http://{HOST}/{tag}.png) <img src=http://{HOST}/{tag}-img.png> "
        f"**bold** :red[red] $x^2$ <http://{HOST}/{tag}-auto> www.{HOST}"
    )


def hostile_extract():
    """The hand extract with a payload in every name, the source and the description."""
    extract = hand_extract()
    frames = dict(extract.frames)

    def name_payloads(table: str, columns: tuple[str, ...], key: str) -> None:
        frame = frames[table]
        frames[table] = frame.with_columns(
            (pl.lit(f"{table}.") + pl.col(key) + pl.lit(f".{c} "))
            .add(
                pl.col(key).map_elements(lambda k, c=c: payload(f"{c}-{k}"), return_dtype=pl.String)
            )
            .alias(c)
            for c in columns
        )

    name_payloads("trials", ("name",), "trial_id")
    name_payloads("trial_areas", ("name",), "trial_area_id")
    name_payloads("municipalities", ("name", "name_sv", "region"), "municipality_code")
    name_payloads("providers", ("name",), "provider_id")
    return dataclasses.replace(
        extract,
        frames=frames,
        source=payload("source"),
        description=payload("description") + " synthetic test register",
    )


def url_payload(name: str) -> str:
    """A hostile value for URL parameter `name` (a link, as a shared link could carry)."""
    return f"[{name} expired](http://{HOST}/{name}),![](http://{HOST}/{name}.png)"
