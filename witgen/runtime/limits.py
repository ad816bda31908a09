"""What an untrusted guest may use: the `limits=` argument of generated `from_file`/`from_bytes`.

Every field left as None keeps the engine's default (for the host-side budgets, wasmtime's own
defaults, which the cabi engine matches). A guest that exceeds a limit traps: the call raises a
`witgen.runtime.Trap` subclass, that instance is dead, the host and other instances go on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    deadline: float | None = None
    """Wall-clock seconds one call into the guest may run (epoch interruption)."""
    fuel: int | None = None
    """Wasm fuel (roughly, instructions) one call into the guest may spend."""
    memory_size: int | None = None
    """Bytes each linear memory may grow to."""
    table_elements: int | None = None
    """Elements each core table may grow to."""
    instances: int | None = None
    """Core and component instances one store may hold."""
    tables: int | None = None
    """Core tables one store may hold."""
    memories: int | None = None
    """Linear memories one store may hold."""
    hostcall_fuel: int | None = None
    """Host work (bytes copied, elements lifted) one call's values may cost; None: wasmtime's default."""
    handles: int | None = None
    """Entries each resource handle table may hold; None: wasmtime's cap."""
