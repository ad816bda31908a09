"""String, docstring and number tokens as black normalises them (quotes, prefixes, docstring
re-indentation, number case); `Unsupported` for the forms it would change in other ways."""

from __future__ import annotations

import re

from witgen.pyview.fastfmt.common import LINE_LENGTH, Unsupported

_STRING_PREFIXES = frozenset(("", "r", "b", "f", "rb", "br", "fr", "rf"))


def string_prefix(text: str) -> str:
    i = 0
    while text[i] not in "\"'":
        i += 1
    return text[:i]


def normalise_string(text: str) -> str:
    """A string token as black normalises it (prefix and quotes), or `Unsupported`."""
    prefix = string_prefix(text)
    if prefix not in _STRING_PREFIXES:
        raise Unsupported("string prefix")
    body = text[len(prefix) :]
    if body.startswith('"""'):
        return text
    if body.startswith("'''"):
        raise Unsupported("''' string")
    if "\\" in body:
        raise Unsupported("string with escapes")
    if body[0] == '"':
        return text
    inner = body[1:-1]
    if '"' in inner:
        raise Unsupported("single-quoted string holding double quotes")
    if "f" in prefix and ("{" in inner):
        raise Unsupported("f-string")
    return f'{prefix}"{inner}"'


def normalise_docstring(text: str, depth: int) -> str:
    """A docstring as black re-indents it (black's `visit_STRING` docstring branch)."""
    prefix = string_prefix(text)
    if prefix not in ("", "r"):
        raise Unsupported("docstring prefix")
    if "\\" in text:
        raise Unsupported("docstring with a backslash")
    if any(c in text for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise Unsupported("docstring with unusual line breaks")
    value = normalise_string(text)
    body = value[len(prefix) :]
    quote = body[0]
    quote_len = 3 if body[1] == quote else 1
    doc = body[quote_len:-quote_len]
    started_empty = not doc
    indent = " " * 4 * depth
    if "\n" in text:
        doc_lines = [_expand_leading_tabs(ln) for ln in doc.split("\n")]
        least = min(
            (len(ln) - len(ln.lstrip()) for ln in doc_lines[1:] if ln.lstrip()),
            default=None,
        )
        trimmed = [doc_lines[0].strip()]
        if least is not None:
            last = len(doc_lines) - 2
            for i, ln in enumerate(doc_lines[1:]):
                stripped = ln[least:].rstrip()
                if stripped or i == last:
                    trimmed.append(indent + stripped)
                else:
                    trimmed.append("")
        doc = "\n".join(trimmed)
    else:
        doc = doc.strip()
    if doc:
        if doc[0] == quote:
            doc = " " + doc
        if doc[-1] == quote:
            doc += " "
        if doc[-1] == "\\":
            raise Unsupported("docstring ending in a backslash")
    elif not started_empty:
        doc = " "
    q = quote * quote_len
    if quote_len == 3:
        doc_lines = doc.splitlines()
        last_len = len(doc_lines[-1]) if doc and not doc.endswith("\n") else 0
        if (
            len(doc_lines) > 1
            and last_len + quote_len > LINE_LENGTH
            and len(indent) + quote_len <= LINE_LENGTH
        ):
            if text[-1 - quote_len] == "\n":
                return prefix + q + doc + q
            return prefix + q + doc + "\n" + indent + q
    return prefix + q + doc + q


def _expand_leading_tabs(line: str) -> str:
    stripped = line.lstrip()
    if not stripped or stripped == line:
        return line
    return line[: len(line) - len(stripped)].expandtabs(4) + stripped


_PLAIN_NUMBER = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|0x[0-9A-F]+")


def normalise_number(text: str) -> str:
    if not _PLAIN_NUMBER.fullmatch(text):
        raise Unsupported("number black would change")
    return text
