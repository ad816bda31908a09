"""witgen: typed Python bindings for WebAssembly components, generated from WIT."""

__version__ = "0.1.0"
