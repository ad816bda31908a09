"""WebAssembly text (a component or a binary WIT package written as `.wat`/`.wast`), read
wherever a binary is.

Like the reference (the `wat` crate's `Detect`), a file is WebAssembly text by its content, not its
name: its first token after whitespace and `;;`/`(; ;)` comments is `(`, which no WIT file starts
with. It is converted with wasmtime-py's `wat2wasm` (the `wat` crate the reference uses), imported
only here, when text is met, so reading WIT or binaries never loads wasmtime.
"""

from __future__ import annotations

import re

from witgen.errors import WitError

_ANON = re.compile(r"<anon>(?=:\d+:\d+)")


def is_wasm_text(data: bytes) -> bool:
    """Whether `data` is WebAssembly text: UTF-8 whose first token is `(`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    i, n = 0, len(text)
    while i < n:
        if text[i] in " \t\r\n":
            i += 1
        elif text.startswith(";;", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("(;", i):
            i = _block_comment_end(text, i)
            if i < 0:
                return False
        else:
            return text[i] == "("
    return False


def _block_comment_end(text: str, start: int) -> int:
    """Where the (nested) block comment at `start` ends, or -1 if it doesn't."""
    depth, i = 0, start
    while i < len(text):
        if text.startswith("(;", i):
            depth, i = depth + 1, i + 2
        elif text.startswith(";)", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    return -1


def wat_to_wasm(data: bytes, display: str) -> bytes:
    """The binary `data` (WebAssembly text read from `display`) spells; a syntax error is a
    WitError located in `display`, as the reference reports it."""
    import wasmtime  # only WebAssembly text needs it

    try:
        return bytes(wasmtime.wat2wasm(data.decode("utf-8")))
    except wasmtime.WasmtimeError as exc:
        raise WitError(_ANON.sub(lambda _: display, str(exc))) from None
