"""Syntax errors phrased as the reference phrases them.

lark reports the set of terminals its LALR state accepts; wit-parser, a recursive
descent parser, names what the construct it is reading needs (``expected ':'``,
``expected a type``, ``expected `world`, `interface` or `use```). ``phrase``
maps a set of expected terminals to the reference's words, and ``found`` names
a token as the reference's ``Token::describe`` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from witgen.parser.identifiers import KEYWORDS as _KEYWORDS
from witgen.parser.lexical import rust_char, word_end

# How the reference names each token (wit-parser's ``Token::describe``).
_NAMES = {
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "SEMICOLON": "';'",
    "COLON": "':'",
    "COMMA": "','",
    "DOT": "'.'",
    "EQUAL": "'='",
    "LT": "'<'",
    "GT": "'>'",
    "SLASH": "`/`",
    "AT": "`@`",
    "INTEGER": "an integer",
    "VERSION": "an integer",  # the reference reads a version as integers and dots
    "STRING": "a string literal",
    "$END": "eof",
}

# Where the reference reads one of several constructs, it names them together:
# the terminals that mark the grammar's state for each, and the reference's words.
_CONSTRUCTS = (
    ({"IMPORT"}, "`import`, `export`, `include`, `use`, or type definition"),
    ({"CONSTRUCTOR"}, "`constructor` or identifier"),
    ({"TYPE", "ID"}, "`type`, `resource` or `func`"),
    ({"INTERFACE", "WORLD"}, "`world`, `interface` or `use`"),
    ({"U8"}, "a type"),
    ({"INTEGER"}, "fixed-length"),
)

_OPTIONAL = frozenset(
    {"AT", "COLON", "COMMA", "AS", "WITH", "LT", "LPAR", "__ANON_0", "ASYNC", "STATIC", "SLASH"}
)


def describe(token_type: str, literal: str | None = None, value: str = "") -> str:
    """The reference's name for a token of this terminal (``literal``: its fixed text)."""
    if token_type == "ID":
        return "an '%' identifier" if value.startswith("%") else "an identifier"
    if token_type in _NAMES:
        return _NAMES[token_type]
    text = literal or value
    if text == "->":
        return "`->`"
    if text and (text[0].isalpha() or text == "_"):
        return f"keyword `{text}`"
    return f"'{text}'"


def phrase(expected: Iterable[str], literals: dict[str, str], in_package_name: bool = False) -> str:
    """What the reference says it expected where the grammar accepts ``expected``."""
    wanted = set(expected) - {"$END"} or {"$END"}
    for markers, words in _CONSTRUCTS:
        if markers <= wanted:
            return words
    if "ID" in wanted:
        # Where an identifier fits, the reference tries the other choices first
        # and names the identifier it reads last.
        return "an identifier or string"
    # The reference eats optional tokens (a version's `@`, a `,` before a closing
    # bracket, `as`, `with`, `->`, ...) and then names the one it needs.
    if len(wanted) > 1:
        wanted = (wanted - _OPTIONAL) or wanted
    if wanted == {"SEMICOLON", "LBRACE"}:
        # `package a:b` then neither: the reference reads a nested package;
        # `resource r` then neither: it needs the `;` of a plain resource.
        wanted = {"LBRACE"} if in_package_name else {"SEMICOLON"}
    names = sorted(describe(t, literals.get(t)) for t in wanted)
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def identifier_problem(word: str) -> str | None:
    """Why the reference refuses ``word`` as an identifier (its ``validate_id``), or None."""
    if word.startswith("%"):
        word = word[1:]
    if not word:
        return "identifiers must have characters between '-'s"
    for index, part in enumerate(word.split("-")):
        if not part:
            return "identifiers must have characters between '-'s"
        if index == 0 and not (part[0].isascii() and part[0].isalpha()):
            return f"invalid character in identifier {rust_char(part[0])}"
        upper: bool | None = None
        for ch in part:
            if ch.isascii() and ch.isdigit():
                continue
            if not (ch.isascii() and ch.isalpha()):
                return f"invalid character in identifier {rust_char(ch)}"
            if upper is None:
                upper = ch.isupper()
            elif upper != ch.isupper():
                return f"invalid character in identifier {rust_char(ch)}"
    return None


def version_error(text: str, pos: int) -> tuple[int, str] | None:
    """Where and why the reference stops reading a version at ``pos``, or None if it
    does not: it reads ``integer . integer . integer`` as separate tokens, then
    refuses blanks or comments between them when it parses the version's text."""
    begin = pos
    gap: str | None = None
    for index, want in enumerate(("an integer", "'.'", "an integer", "'.'", "an integer")):
        start, end, found = reference_token(text, pos)
        if found != want:
            return start, f"expected {want}, found {found}"
        if start > pos and gap is None:
            part = ("major", "minor", "patch")[index // 2]
            where = f"after {('major', 'minor')[index // 2]}" if index % 2 else f"while parsing {part}"
            gap = f"unexpected character {rust_char(text[pos])} {where} version number"
        pos = end
    return (begin, gap) if gap is not None else None


def reference_token(text: str, pos: int) -> tuple[int, int, str]:
    """The reference's next token from ``pos`` after blanks and comments:
    (start, end, its description)."""
    while True:
        pos = _BLANKS.match(text, pos).end()  # type: ignore[union-attr]  # matches empty text
        if not text.startswith("/*", pos):
            break
        depth, pos = 1, pos + 2
        while depth and pos < len(text):
            if text.startswith("/*", pos):
                depth, pos = depth + 1, pos + 2
            elif text.startswith("*/", pos):
                depth, pos = depth - 1, pos + 2
            else:
                pos += 1
    if pos >= len(text):
        return pos, pos, "eof"
    ch = text[pos]
    if ch.isdigit() and ch.isascii():
        end = pos
        while end < len(text) and text[end].isascii() and text[end].isdigit():
            end += 1
        return pos, end, "an integer"
    if ch.isidentifier() or ch == "%":
        end = word_end(text, pos + 1)
        word = text[pos:end]
        if word in _KEYWORDS or word == "_":
            return pos, end, f"keyword `{word}`"
        return pos, end, "an '%' identifier" if ch == "%" else "an identifier"
    if text.startswith("->", pos):
        return pos, pos + 2, "`->`"
    return pos, pos + 1, _PUNCTUATION.get(ch, f"'{ch}'")


_BLANKS = re.compile(r"(?:[ \t\n]|\r\n|//[^\n]*)*")
_PUNCTUATION = {"@": "`@`", "/": "`/`", "*": "`*`", "+": "`+`", "-": "`-`", '"': "a string literal"}
