"""Reconstructing WIT from component binaries (see `decode.py`)."""

from witgen.resolve.from_component.decode import DecodedWasm, decode_wasm

__all__ = ["DecodedWasm", "decode_wasm"]
