"""Mage's column-name cleaning (``auto_clean_name``, ``case_sensitive``, ``allow_reserved_words``)."""

from __future__ import annotations

import re

from ._reserved import RESERVED_WORDS

# Removed outright; every other character that is not a word character (Unicode letters, digits, `_`)
# becomes `_`.
_DROPPED = str.maketrans("", "", '\ufeff"$\n\r\t')
_NON_WORD = re.compile(r"\W")


def clean_name(name: str, case_sensitive: bool = False) -> str:
    """``"Order Total ($)"`` -> ``"order_total__"``; a leading digit gets ``letter_`` in front
    (``"2024 sales"`` -> ``"letter_2024_sales"``); lower-cased unless ``case_sensitive``."""
    cleaned = _NON_WORD.sub("_", str(name).translate(_DROPPED))
    if cleaned[:1].isdigit():
        cleaned = "letter_" + cleaned
    return cleaned if case_sensitive else cleaned.lower()


def clean_column_name(
    name: str, allow_reserved_words: bool = False, auto_clean_name: bool = True, case_sensitive: bool = False
) -> str:
    """The column name an export writes: :func:`clean_name`, then ``_`` before a reserved word
    (``"name"`` -> ``"_name"``) unless ``allow_reserved_words``. Unchanged when not ``auto_clean_name``."""
    if not auto_clean_name:
        return str(name)
    cleaned = clean_name(name, case_sensitive=case_sensitive)
    if not allow_reserved_words and cleaned.upper() in RESERVED_WORDS:
        cleaned = "_" + cleaned
    return cleaned
