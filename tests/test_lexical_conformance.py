"""Lexing and parsing corner cases decided as wasm-tools decides them (issue 19, item 5).

Each case is run through the reference (`wasm-tools component wit`) and witgen: both accept,
or both reject at the same line and column with the same message.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import reference_message, wasm_tools

from witgen.errors import WitError
from witgen.resolve import load

LOCATION = re.compile(r"(?:--> |^error: )\S+?:(\d+):(\d+)", re.M)
BIG = "9" * 25
HUGE = "9" * 4300  # beyond Python's int-from-str digit limit

H = "package a:b;\n"
CASES: dict[str, str | dict[str, str]] = {
    # comments
    "nested-block-comment": H + "/* a /* b */ c */\ninterface i {}\n",
    "nested-block-comment-doc": H + "/** a /* b */ c */\ninterface i {}\n",
    "nested-block-comment-unterminated": H + "/* a /* b */ c\ninterface i {}\n",
    "block-comment-unterminated": H + "interface i {} /* a",
    # byte order marks
    "bom-at-start": "\ufeff" + H + "interface i {}\n",
    "bom-at-start-then-error": "\ufeff" + H + "interface {}\n",
    "bom-in-the-middle": H + "interface i { \ufeff }\n",
    # control codes and other refused characters
    "bell-in-line-comment": H + "// x\x07y\ninterface i {}\n",
    "tab-in-line-comment": H + "// x\ty\ninterface i {}\n",
    "vertical-tab-in-block-comment": H + "/* x\x0by */\ninterface i {}\n",
    "form-feed-between-tokens": H + "interface i {\x0c}\n",
    "delete-in-comment": H + "// \x7f\ninterface i {}\n",
    "c1-control-in-comment": H + "// \x85\ninterface i {}\n",
    "nul-in-comment": H + "// \x00\ninterface i {}\n",
    "bidi-override-in-comment": H + "// \u202e\ninterface i {}\n",
    "deprecated-codepoint-in-comment": H + "// \u0149\ninterface i {}\n",
    "refused-character-after-a-syntax-error": H + "interface {}\n// \x07\n",
    "tab-in-string": H + '@unstable(feature = x)\n@deprecated("a\tb")\ninterface i {}\n',
    # line endings
    "lone-cr": "package a:b;\rinterface i {}\n",
    "lone-cr-in-line-comment": H + "// a\rb\ninterface i {}\n",
    "lone-cr-in-block-comment": H + "/* a\rb */\ninterface i {}\n",
    "crlf": "package a:b;\r\n/// doc\r\ninterface i {\r\n  f: func();\r\n}\r\n",
    "cr-after-syntax-error": H + "interface {}\r",
    # glued keywords: the reference reads one identifier
    "glued-import": H + "world w { importi1; }\n",
    "glued-export": H + "world w { exportf: func(); }\n",
    "glued-include": H + "world w { includex; }\n",
    "glued-interface": H + "interfacei {}\n",
    "glued-package": "packagea:b;\n",
    "glued-type": H + "interface i { typex = u8; }\n",
    "glued-use": H + "interface i { usex.{y}; }\n",
    "glued-func": H + "interface i { f: funcx(); }\n",
    "glued-constructor": H + "interface i { resource r { constructorx(); } }\n",
    "glued-list": H + "interface i { f: func() -> listx<u8>; }\n",
    "underscore-in-identifier": H + "interface i { f: func() -> a_b; }\n",
    "non-ascii-identifier": H + "interface i { f: func() -> garçon; }\n",
    # versions
    "version-patch-beyond-u64": f"package a:b@1.0.{BIG};\n",
    "version-major-beyond-u64": f"package a:b@{BIG}.0.0;\n",
    "version-minor-beyond-u64": f"package a:b@1.{BIG}.0;\n",
    "version-4300-digits": f"package a:b@1.0.{HUGE};\n",
    "version-u64-max": "package a:b@18446744073709551615.0.0;\ninterface i {}\n",
    "version-u64-max-plus-one": "package a:b@18446744073709551616.0.0;\n",
    "version-leading-zero": "package a:b@1.01.0;\n",
    "version-prerelease-leading-zero": "package a:b@1.0.0-01;\n",
    "version-prerelease-4300-digits": f"package a:b@1.0.0-{HUGE};\ninterface i {{}}\n",
    "version-build-leading-zero": "package a:b@1.0.0+01;\ninterface i {}\n",
    "version-trailing-plus": "package a:b@1.0.1-a+;\ninterface i {}\n",
    "version-trailing-minus": "package a:b@1.0.1- { interface i {} }\npackage c:d;\n",
    "version-with-blanks": "package a:b@1 . 0 . 1;\n",
    "version-missing-patch": "package a:b@1.0;\n",
    "version-in-use-path": f"package a:b@1.0.0;\ninterface i {{ use c:d/e@1.0.{BIG}.{{t}}; }}\n",
    "version-in-import": f"package a:b@1.0.0;\nworld w {{ import c:d/e@1.0.{HUGE}; }}\n",
    "version-in-since": f"package a:b@1.0.0;\n@since(version = 1.0.{BIG})\ninterface i {{}}\n",
    # files with only nested packages
    "only-nested-packages": "package a:b { interface i {} }\n",
    "only-nested-packages-dir": {"a.wit": "package a:b { interface i {} }\n"},
    "only-nested-packages-in-deps-file": {
        "m.wit": "package m:n;\nworld w { import c:d/i; }\n",
        "deps/x.wit": "package c:d { interface i {} }\n",
    },
    "only-nested-packages-in-deps-dir": {
        "m.wit": "package m:n;\nworld w { import c:d/i; }\n",
        "deps/x/x.wit": "package c:d { interface i {} }\n",
    },
    "nested-packages-beside-a-header": "package m:n;\npackage a:b { interface i {} }\ninterface j {}\n",
}


def write(tmp_path: Path, case: str | dict[str, str]) -> Path:
    if isinstance(case, str):
        path = tmp_path / "case.wit"
        path.write_bytes(case.encode())
        return path
    for name, text in case.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text.encode())
    return tmp_path


def reference(path: Path) -> tuple[bool, str, tuple[int, int] | None]:
    """(accepted, first line of the message, line and column) from wasm-tools."""
    out = subprocess.run([wasm_tools(), "component", "wit", str(path)], capture_output=True)
    stderr = out.stderr.decode(errors="replace")
    if out.returncode == 0:
        return True, "", None
    m = LOCATION.search(stderr)
    return False, reference_message(stderr), (int(m[1]), int(m[2])) if m else None


@pytest.mark.parametrize("name", list(CASES))
def test_decided_like_the_reference(name: str, tmp_path: Path) -> None:
    path = write(tmp_path, CASES[name])
    accepted, message, location = reference(path)
    try:
        load(path)
    except WitError as exc:
        assert not accepted, f"witgen rejects what wasm-tools accepts:\n{exc.render()}"
        assert exc.message.splitlines()[0] == message, exc.render()
        got = (exc.span.line, exc.span.column) if exc.span is not None else None
        assert got == location, exc.render()
    else:
        assert accepted, f"witgen accepts what wasm-tools rejects: {message} at {location}"


def test_nested_comment_docs_print_like_the_reference(tmp_path: Path) -> None:
    """The nested comment is one comment: the printed package matches the reference's."""
    from witgen.gen_wit.printer import print_resolve

    path = write(tmp_path, CASES["nested-block-comment-doc"])
    expected = subprocess.run([wasm_tools(), "component", "wit", str(path)], capture_output=True, text=True)
    loaded = load(path)
    assert print_resolve(loaded.resolve, loaded.main) == expected.stdout
