"""The kinds of place the vocabulary names (the place fact's enum values), code -> Chinese label."""

from __future__ import annotations

from .vocabulary import Vocabulary


def place_kinds(vocab: Vocabulary) -> dict[str, str]:
    """The kinds of place: code -> Chinese label (none when the vocabulary has no place fact)."""
    return (vocab.facts[vocab.place_fact].values or {}) if vocab.place_fact else {}
