"""WAVE, the WebAssembly Value Encoding (wasm-tools' `wasm-wave`, what `wasmtime run --invoke`
reads and prints): text for Component Model values, read against WIT types into the Python
values generated bindings take (`decode`), and written back (`encode`).

`lexer` and `syntax` read text into untyped nodes and calls (`add(1, 2)`); `decode` checks them
against a WIT type; `encode` prints values. Errors are `WaveError`s, rendered with a caret.
"""

from witgen.wave.decode import Decoder
from witgen.wave.encode import Encoder, format_float
from witgen.wave.errors import WaveError
from witgen.wave.shapes import Shapes
from witgen.wave.syntax import Call, parse_call, parse_value

__all__ = ["Call", "Decoder", "Encoder", "Shapes", "WaveError", "format_float", "parse_call", "parse_value"]
