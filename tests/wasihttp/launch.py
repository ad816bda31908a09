"""`witgen serve` for the tests: the real command line, with `stand_ins` passed for the WASI areas
this branch's witgen.wasi doesn't implement yet (nothing, once it implements them all).

    python -m tests.wasihttp.launch serve app.wasm --port 8080 ...
"""

from __future__ import annotations

import sys

from witgen.cli import main
from witgen.http.instances import Instances

from .stand_ins import imports


def _with_stand_ins(post_init: object) -> object:
    def __post_init__(self: Instances) -> None:
        if self.imports is None:
            self.imports = imports()
        post_init(self)  # type: ignore[operator]

    return __post_init__


Instances.__post_init__ = _with_stand_ins(Instances.__post_init__)  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
