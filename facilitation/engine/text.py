"""Free text as the engine stores it: one cleaning rule for names, notes and every other typed field.

Bidi overrides, zero-width characters, NUL and the other control and formatting characters (Unicode's
"C" categories, which also hold lone surrogates and private-use code points) can hide or reorder what the
projector, the facilitator and the exports show; they are removed on the way in, and the text is NFC.
"""

from __future__ import annotations

import unicodedata

__all__ = ["clean_text"]


def clean_text(text: object, max_chars: int, *, multiline: bool = False) -> str:
    """`text` as stored: NFC, the "C" categories removed, cut to `max_chars` and trimmed.

    One line (`multiline=False`): every run of white space becomes one space. Several lines: line breaks
    are kept (CRLF and CR become LF, at most two blank lines in a row), tabs become spaces, and each
    line's trailing spaces go. Nothing is escaped: "<b>" stays as typed and must be shown literally."""
    if text is None or text == "":
        return ""
    # Cut first so that a huge input costs little (cleaning only ever shortens).
    raw = str(text)[: max_chars * 4 + 16]
    if multiline:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    try:
        normal = unicodedata.normalize("NFC", raw)
    except UnicodeError:  # pragma: no cover - NFC of a str does not encode; kept as a guard
        normal = raw
    kept = []
    for char in normal:
        if multiline and char == "\n":
            kept.append(char)
        elif char.isspace():
            kept.append(" ")
        elif not unicodedata.category(char).startswith("C"):
            kept.append(char)
    cleaned = "".join(kept)
    if not multiline:
        return " ".join(cleaned.split())[:max_chars].strip()
    lines = [line.rstrip() for line in cleaned.split("\n")]
    joined = "\n".join(lines).strip()
    while "\n\n\n\n" in joined:
        joined = joined.replace("\n\n\n\n", "\n\n\n")
    return joined[:max_chars].strip()
