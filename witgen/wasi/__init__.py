"""WASI 0.2 written in Python, for either engine: pass `wasi=Wasi(...)` when loading a component.

`Wasi` is the policy (what the guest may see and do: arguments, environment, stdio, preopened
directories, network, clock, randomness); `witgen.wasi.link` links it for what the component
imports, each interface in its own module (`io`, `cli`, `clocks`, `random`, `filesystem`,
`sockets`, `http`) through the checked-in bindings in `witgen.wasi.bindings`. `witgen.wasi.fs`
is the filesystem beneath: host directories a guest can never leave, or an in-memory tree.
"""

from witgen.wasi.clocks import FakeClock, SystemClock
from witgen.wasi.fs.memory import MemoryTree
from witgen.wasi.policy import Exit, Network, Preopen, Wasi
from witgen.wasi.random import SeededRandom, SystemRandom

__all__ = [
    "Exit",
    "FakeClock",
    "MemoryTree",
    "Network",
    "Preopen",
    "SeededRandom",
    "SystemClock",
    "SystemRandom",
    "Wasi",
]
