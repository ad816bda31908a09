"""Small assertions shared by the ``test_host_*`` modules."""

from __future__ import annotations

import re


def assert_mentions(exc: BaseException, function: str, param: str) -> None:
    """The error message names the function (WIT or Python spelling) and the parameter."""
    msg = str(exc)
    words = re.split(r"[-_]", function)
    func_re = r"[-_]".join(map(re.escape, words))
    assert re.search(rf"(?<![\w-]){func_re}(?![\w-])", msg), f"{function!r} not named in {msg!r}"
    assert re.search(rf"(?<![\w-]){re.escape(param)}(?![\w-])", msg), f"{param!r} not named in {msg!r}"
