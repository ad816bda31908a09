"""WIT identifier rules: reserved keywords, ``%`` escapes and kebab-case words."""

from __future__ import annotations

from witgen.errors import ParseError, Span

KEYWORDS = frozenset("""use type func u8 u16 u32 u64 s8 s16 s32 s64 f32 f64 char record resource own
    borrow flags variant enum bool string option result future stream error-context
    list as from static interface tuple import export world package constructor
    include with async map""".split())


def check_identifier(text: str, span: Span) -> str:
    """Validate an identifier token and return its name without the ``%`` escape."""
    if text[0] == "%":
        name = text[1:]
    elif text in KEYWORDS:
        raise ParseError(f"expected an identifier or string, found keyword `{text}`", span)
    else:
        name = text
    if name.islower() or name.isupper():
        # Fast path: a single-case identifier only needs its dashes checked.
        if "--" in name or name.endswith("-"):
            raise ParseError("identifiers must have characters between '-'s", span)
        return name
    for part in name.split("-"):
        if not part:
            raise ParseError("identifiers must have characters between '-'s", span)
        if not (part.islower() or part.isupper() or part.isdigit()):
            upper = part[0].isupper() if part[0].isalpha() else any(ch.isupper() for ch in part)
            bad = next(ch for ch in part if ch.isalpha() and ch.isupper() != upper)
            raise ParseError(f"invalid character in identifier '{bad}'", span)
    return name
