"""The reference lexer's rules that the grammar's terminals cannot express.

wit-parser refuses some characters anywhere in a file (control codes, bidirectional
overrides, deprecated codepoints), skips a UTF-8 byte order mark at the start, nests
block comments, takes only ``\\n`` and ``\\r\\n`` as line ends and checks string
escapes. ``scan`` applies those rules before parsing: it raises the errors the
reference raises before reading any token, and returns

* the text the grammar's lexers read (same length and offsets: a leading BOM and
  the inner delimiters of nested block comments become blanks), and
* the first error the reference's tokenizer meets while reading tokens, which
  wins unless the parser fails earlier in the file (see ``parser.parse_file``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from witgen.errors import ParseError, SourceFile, Span, WitError

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_DEPRECATED = "\u0149\u0673\u0f77\u0f79\u17a3\u17a4\u17b4\u17b5"
# Control codes (Unicode category Cc) other than tab, line feed and carriage return.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_REFUSED = re.compile(f"[{_BIDI}{_DEPRECATED}{_CONTROL}]")

# What needs a closer look: comments (skipped, block comments nest), strings (read
# by hand: escapes), carriage returns, and any character outside the ASCII tokens.
_NOTABLE = re.compile(r"//[^\n]*(?:\n[ \t]*//[^\n]*)*|(/\*)|(\")|[^ \t\nA-Za-z0-9_=,:.;(){}<>*@/+%-]")
_COMMENT_DELIMITER = re.compile(r"/\*|\*/")
_SIMPLE_ESCAPES = set("\"'tnr\\")
_HEX_DIGITS = re.compile(r"[0-9a-fA-F][0-9a-fA-F_]*")


@dataclass
class Scanned:
    """What ``scan`` found: the grammar's view of the text and the first token error."""

    text: str
    error: WitError | None
    error_token: int = 0
    """Where the token holding ``error`` starts: a parser error before it comes first."""


def scan(source: SourceFile) -> Scanned:
    """Check ``source`` as the reference's lexer does (see the module docstring)."""
    text = source.text
    refused = _REFUSED.search(text)
    if refused is not None:
        raise ParseError(_refused_message(refused.group()), _at(source, refused.start()))
    view = list(text) if text.startswith("\ufeff") else None
    pos = 1 if view is not None else 0
    if view is not None:
        view[0] = " "
    end = len(text)
    search = _NOTABLE.search
    while pos < end:
        m = search(text, pos)
        if m is None:
            break
        pos = m.end()
        if m.group(1):
            close = _comment_end(text, pos)
            if close is None:
                return _result(
                    text, view, ParseError("unterminated block comment", _at(source, m.start())), m.start()
                )
            if "/*" in text[pos : close - 2]:
                view = view if view is not None else list(text)
                for i in range(pos, close - 2):
                    if view[i] in "/*":
                        view[i] = " "
            pos = close
        elif m.group(2):
            error, pos = _string_end(source, pos)
            if error is not None:
                return _result(text, view, error, m.start())
        elif m.group()[0] != "/":
            start = m.start()
            if text.startswith("\r\n", start):
                pos = start + 2
                continue
            # A character of a word (an identifier to be validated) is no token error.
            if text[start].isidentifier():
                pos = word_end(text, start)
                continue
            word = keylike_at(text, start)
            if word is not None:
                pos = word[0] + len(word[1])
                continue
            unexpected = ParseError(f"unexpected character {rust_char(text[start])}", _at(source, start))
            return _result(text, view, unexpected, start)
    return _result(text, view, None)


def keylike_at(text: str, offset: int) -> tuple[int, str] | None:
    """The reference's identifier-like token covering ``offset`` if it starts before it:
    (its start, its text). witgen's terminals split such words (``foo_bar``, ``garçon``)."""
    pos = offset
    while pos > 0 and (text[pos - 1] == "-" or ("a" + text[pos - 1]).isidentifier()):
        pos -= 1
    while pos < offset:
        if text[pos].isidentifier():
            end = word_end(text, pos)
            if end > offset:
                return pos, text[pos:end]
            pos = end
        else:  # an integer or a minus sign
            pos += 1
            while text[pos - 1].isdigit() and pos < len(text) and text[pos].isdigit():
                pos += 1
    return None


def word_end(text: str, pos: int) -> int:
    """The end of the identifier-like word going on at ``pos`` (the reference lexes
    any XID_Continue character or ``-`` into a word, and validates it later)."""
    end = len(text)
    while pos < end and (text[pos] == "-" or ("a" + text[pos]).isidentifier()):
        pos += 1
    return pos


def _result(text: str, view: list[str] | None, error: WitError | None, error_token: int = 0) -> Scanned:
    return Scanned(text if view is None else "".join(view), error, error_token)


def _comment_end(text: str, pos: int) -> int | None:
    """The offset after the ``*/`` closing a block comment opened before ``pos``."""
    depth = 1
    for m in _COMMENT_DELIMITER.finditer(text, pos):
        depth += 1 if m.group() == "/*" else -1
        if depth == 0:
            return m.end()
    return None


def _string_end(source: SourceFile, pos: int) -> tuple[WitError | None, int]:
    """Read a string literal's body from ``pos``: (its first error, the offset after it)."""
    text = source.text
    end = len(text)
    while pos < end:
        ch = text[pos]
        if ch == '"':
            return None, pos + 1
        if ch == "\\":
            pos += 1
            if pos >= end:
                break
            esc = text[pos]
            if esc == "u":
                error, pos = _unicode_escape(source, pos + 1)
                if error is not None:
                    return error, end
                continue
            if esc in _SIMPLE_ESCAPES:
                pos += 1
                continue
            if esc in "0123456789abcdefABCDEF":
                if pos + 1 < end and text[pos + 1] in "0123456789abcdefABCDEF":
                    pos += 2
                    continue
                bad = text[pos + 1] if pos + 1 < end else ""
                return ParseError(f"invalid hex digit {rust_char(bad)}", _at(source, pos + 1)), end
            return ParseError(f"invalid string escape {rust_char(esc)}", _at(source, pos)), end
        if ch < " " or ch == "\x7f":
            return ParseError(f"invalid string character {rust_char(ch)}", _at(source, pos)), end
        pos += 1
    return ParseError("unexpected end of file", _at(source, end)), end


def _unicode_escape(source: SourceFile, pos: int) -> tuple[WitError | None, int]:
    """Read ``{hex}`` after ``\\u`` at ``pos``: (its error, the offset after it)."""
    text = source.text
    if not text.startswith("{", pos):
        return ParseError("expected character '{'", _at(source, pos)), pos
    m = _HEX_DIGITS.match(text, pos + 1)
    if m is None:
        bad = text[pos + 1] if pos + 1 < len(text) else ""
        return ParseError(f"invalid hex digit {rust_char(bad)}", _at(source, pos + 1)), pos
    digits = m.group()
    if digits.endswith("_"):
        return ParseError("trailing underscore in number", _at(source, pos + 1)), pos
    if not text.startswith("}", m.end()):
        return ParseError("expected character '}'", _at(source, m.end())), pos
    value = digits.replace("_", "").lstrip("0")
    if len(value) > 8:
        return ParseError("number is too big to fit in a u32", _at(source, m.end() - 1)), pos
    if int(value or "0", 16) > 0x10FFFF or 0xD800 <= int(value or "0", 16) <= 0xDFFF:
        return ParseError(f"invalid unicode value {int(value, 16):#x}", _at(source, pos - 1)), pos
    return None, m.end() + 1


def _at(source: SourceFile, pos: int) -> Span:
    return Span(source, pos, pos + 1)


def _refused_message(ch: str) -> str:
    escaped = f"\\u{{{ord(ch):x}}}"
    if ch in _BIDI:
        return f"Input contains bidirectional override codepoint EscapeUnicode(EscapeIterInner('{escaped}'))"
    if ch in _DEPRECATED:
        return f"Codepoint EscapeUnicode(EscapeIterInner('{escaped}')) is discouraged by Unicode"
    return f"Control code '{escaped}'"


def rust_char(ch: str) -> str:
    """A character quoted as Rust's ``{:?}`` prints it (the reference's messages do)."""
    named = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "'": "\\'", "\\": "\\\\"}
    if ch in named:
        return f"'{named[ch]}'"
    if not ch or not ch.isprintable() or unicodedata.category(ch) in ("Mn", "Me"):
        return f"'\\u{{{ord(ch or chr(0)):x}}}'"
    return f"'{ch}'"
