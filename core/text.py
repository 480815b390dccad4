"""Text from outside (a CRM, a webhook, a person typing) made safe to show before it is stored.

Controls that render as nothing but change what is shown go: NUL and the other C0/C1 controls
(tabs and line breaks stay), the bidirectional overrides, embeddings and isolates (U+202E can
make "Acme‮gpj.exe" read as "Acmeexe.jpg") and the invisible spaces that make two names look
alike (U+200B, U+2060, U+FEFF, U+180E). The zero-width joiners U+200C/U+200D stay: Persian and
Indic scripts and emoji sequences need them.
"""

from __future__ import annotations

import re
from typing import Any

_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 and C1 controls except \t \n \r
    "\u200b\u200e\u200f\u2060\ufeff\u180e\u061c"  # zero-width spaces, direction marks
    "\u202a-\u202e\u2066-\u2069]"  # bidi embeddings, overrides and isolates
)


def clean(text: str) -> str:
    """`text` without invisible controls; everything a person can see is kept as it was."""
    return _INVISIBLE.sub("", text)


def clean_value(value: Any) -> Any:
    """`clean` applied to every string inside a JSON-like value (dicts, lists), the rest untouched."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(k) if isinstance(k, str) else k: clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_value(v) for v in value)
    return value
