"""A lesson's `text` (HTML from the platform's rich-text editor) as `html`, safe for other pages to render.

nh3 (ammonia, a maintained sanitiser) does the work, on an allow list: ammonia's default elements and
attributes, which cover what the editor produces (paragraphs, headings, lists, quotes, code, links,
images, tables, inline formatting), plus `class` everywhere (the editor marks its formatting with
classes) and `style` limited to text formatting properties. Everything else goes: script and style
elements with their content, every event handler (`on...`), and any URL whose scheme is not
http, https or mailto (so no `javascript:` or `data:`). Links get rel="noopener noreferrer".
Imported only by the writes that take `text`: nh3 is compiled code that reads need not load.
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS)
ALLOWED_ATTRIBUTES = {**nh3.ALLOWED_ATTRIBUTES, "*": {"class", "style"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
STYLE_PROPERTIES = frozenset(
    {
        "color",
        "background-color",
        "font-weight",
        "font-style",
        "font-size",
        "font-family",
        "text-decoration",
        "text-align",
        "text-indent",
        "white-space",
    }
)


def sanitized(text: str) -> str:
    return nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
        link_rel="noopener noreferrer",
    )
