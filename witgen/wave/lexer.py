"""WAVE tokens: punctuation, numbers, labels (keywords included), chars and strings.

Follows the WAVE grammar of wasm-tools' `wasm-wave` crate (crates/wasm-wave/README.md,
wave_ebnf.md): whitespace and `//` comments between tokens, escapes `\\' \\" \\\\ \\t \\n \\r
\\u{X}`, multiline `\"\"\"` strings dedented by their closing line. Chars and strings are decoded
here, so the parser sees their values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from witgen.wave.errors import WaveError

PUNCTUATION = frozenset("{}()[]:,")
KEYWORDS = frozenset({"true", "false", "some", "none", "ok", "err", "inf", "nan"})
"""Labels that mean something in WAVE: a case named like one is written `%name`."""

_NUMBER = re.compile(r"-inf|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LABEL = re.compile(r"%?[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
_WORD = re.compile(r"[a-z][a-z0-9]*|[A-Z][A-Z0-9]*")
_LATER_WORD = re.compile(r"[a-z0-9]+|[A-Z0-9]+")
_SPACE = re.compile(r"(?:[ \t\n\r]+|//[^\n]*)+")
_SIMPLE_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    """One of `{}()[]:,`, "number", "label", "char", "string" or "end"."""
    start: int
    end: int
    text: str
    """The source text (a label without its `%`)."""
    value: str = ""
    """A char's or string's decoded value."""
    escaped: bool = False
    """A label written with `%` (never a keyword)."""


def check_label(text: str, start: int, source: str) -> None:
    """Labels are kebab-case words, each all-lowercase or all-uppercase (`HTTP3`, `method-GET`)."""
    for i, word in enumerate(text.split("-")):
        pattern = _WORD if i == 0 else _LATER_WORD
        if not pattern.fullmatch(word):
            raise WaveError(
                f"invalid label `{text}`: each word is all lowercase or all uppercase"
                " (labels are kebab-case, like `field-name`)",
                source,
                start,
                start + len(text),
            )


class Lexer:
    """Tokens of `source`, read on demand from `pos` (the parser peeks one ahead)."""

    def __init__(self, source: str, pos: int = 0) -> None:
        self.source = source
        self.pos = pos

    def error(self, message: str, start: int, end: int | None = None) -> WaveError:
        return WaveError(message, self.source, start, end if end is not None else start + 1)

    def skip_space(self) -> None:
        found = _SPACE.match(self.source, self.pos)
        if found:
            self.pos = found.end()

    def next(self) -> Token:
        self.skip_space()
        src, pos = self.source, self.pos
        if pos >= len(src):
            return Token("end", pos, pos, "")
        ch = src[pos]
        if ch in PUNCTUATION:
            self.pos = pos + 1
            return Token(ch, pos, pos + 1, ch)
        if ch == "-" or ch.isdigit():
            found = _NUMBER.match(src, pos)
            if found is None:
                raise self.error("invalid number", pos)
            self.pos = found.end()
            return Token("number", pos, found.end(), found.group())
        if ch == "%" or ch.isascii() and ch.isalpha():
            found = _LABEL.match(src, pos)
            if found is None:
                raise self.error("`%` must be followed by a label", pos)
            self.pos = found.end()
            escaped = ch == "%"
            text = found.group()[1:] if escaped else found.group()
            check_label(text, pos + escaped, src)
            return Token("label", pos, found.end(), text, escaped=escaped)
        if ch == "'":
            return self._char(pos)
        if ch == '"':
            if src.startswith('"""', pos):
                return self._multiline(pos)
            return self._string(pos)
        raise self.error(f"unexpected character {ch!r}", pos)

    # --- chars and strings ----------------------------------------------------------------

    def _escape(self, pos: int) -> tuple[str, int]:
        """The character escaped at `pos` (a backslash) and the position after the escape."""
        src = self.source
        if pos + 1 >= len(src):
            raise self.error("unterminated escape", pos)
        kind = src[pos + 1]
        if kind in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[kind], pos + 2
        if kind == "u":
            found = re.compile(r"\{([0-9a-fA-F]{1,6})\}").match(src, pos + 2)
            if found is None:
                raise self.error(r"invalid unicode escape: write \u{1F600} (1 to 6 hex digits)", pos, pos + 2)
            code = int(found.group(1), 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise self.error(f"\\u{{{found.group(1)}}} is not a Unicode scalar value", pos, found.end())
            return chr(code), found.end()
        raise self.error(
            f"invalid escape `\\{kind}` (escapes: \\' \\\" \\\\ \\t \\n \\r \\u{{...}})", pos, pos + 2
        )

    def _char(self, start: int) -> Token:
        src, pos = self.source, start + 1
        if pos >= len(src):
            raise self.error("unterminated char", start)
        if src[pos] == "\\":
            value, pos = self._escape(pos)
        elif src[pos] in "'\n":
            raise self.error("empty char: a char holds exactly one character", start, pos + 1)
        else:
            value, pos = src[pos], pos + 1
        if pos >= len(src) or src[pos] != "'":
            close = src.find("'", pos)
            if close != -1 and "\n" not in src[pos:close]:
                raise self.error(
                    'a char holds exactly one character (use a string, "...", for more)', start, close + 1
                )
            raise self.error("unterminated char", start)
        self.pos = pos + 1
        return Token("char", start, pos + 1, src[start : pos + 1], value)

    def _string(self, start: int) -> Token:
        src, pos = self.source, start + 1
        parts: list[str] = []
        while True:
            if pos >= len(src):
                raise self.error("unterminated string", start)
            ch = src[pos]
            if ch == '"':
                break
            if ch == "\n":
                raise self.error(
                    r'a newline in a string must be escaped (\n), or use a """ multiline string', pos
                )
            if ch == "\\":
                value, pos = self._escape(pos)
                parts.append(value)
            else:
                parts.append(ch)
                pos += 1
        self.pos = pos + 1
        return Token("string", start, pos + 1, src[start : pos + 1], "".join(parts))

    def _multiline(self, start: int) -> Token:
        """`\"\"\"`, a line break, lines indented at least as deep as the closing `\"\"\"`, which
        ends a line of its own: the lines, dedented, joined by `\\n`."""
        src = self.source
        body_start = start + 3
        if src.startswith("\r\n", body_start):
            body_start += 2
        elif src.startswith("\n", body_start):
            body_start += 1
        else:
            raise self.error('a multiline string starts with """ and a line break', start, start + 3)
        close = src.find('"""', body_start - 1)
        if close == -1:
            raise self.error("unterminated multiline string", start, start + 3)
        body = src[body_start - 1 : close]  # from the opening line break to the closing quotes
        last_break = body.rfind("\n")
        indent = body[last_break + 1 :]
        if indent.strip(" "):
            raise self.error(
                'the closing """ of a multiline string must be on a line of its own', close, close + 3
            )
        lines: list[str] = []
        offset = body_start
        for raw in body[1:last_break].split("\n") if last_break > 0 else []:
            line = raw[:-1] if raw.endswith("\r") else raw
            if line and not line.startswith(indent):
                raise self.error(
                    f'each line of a multiline string is indented at least as far as its closing """ ({len(indent)} spaces)',
                    offset,
                )
            lines.append(self._decode_line(line[len(indent) :], offset + len(indent)))
            offset += len(raw) + 1
        self.pos = close + 3
        return Token("string", start, close + 3, src[start : close + 3], "\n".join(lines))

    def _decode_line(self, line: str, offset: int) -> str:
        parts: list[str] = []
        i = 0
        while i < len(line):
            if line[i] == "\\":
                value, end = self._escape(offset + i)
                parts.append(value)
                i = end - offset
            else:
                parts.append(line[i])
                i += 1
        return "".join(parts)
