"""`witgen run`: call a component's exports from the command line, arguments and results in WAVE.

`command` runs a request; `exports` names and lists exports; `bindings` generates and caches
the host package the call goes through; `wasi` configures WASI like `wasmtime run`.
"""

from witgen.run.command import RunRequest
from witgen.run.command import main as run

__all__ = ["RunRequest", "run"]
