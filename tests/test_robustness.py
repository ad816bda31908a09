"""No input, however broken, makes witgen print a traceback or hang."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path


def run_check(path: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "witgen", "check", str(path)], capture_output=True, text=True, timeout=timeout
    )


def assert_clean_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.wit"
    path.write_bytes(bytes(random.Random(1).getrandbits(8) for _ in range(4096)))
    assert_clean_error(run_check(path))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.wit"
    path.write_bytes("package a:b; interface caf\xe9 {}".encode("latin-1"))
    result = run_check(path)
    assert_clean_error(result)
    assert "UTF-8" in result.stderr


def test_ten_megabyte_file(tmp_path: Path) -> None:
    path = tmp_path / "big.wit"
    body = "".join(f"  type t{i} = list<u32>;\n" for i in range(450_000))
    path.write_text("package a:b;\ninterface big {\n" + body + "  oops\n}\n")
    assert path.stat().st_size > 10_000_000
    result = run_check(path, timeout=300)
    assert_clean_error(result)
    assert "big.wit:450004:1" in result.stderr


def test_ten_thousand_nested_lists(tmp_path: Path) -> None:
    path = tmp_path / "deep.wit"
    path.write_text(
        "package a:b;\ninterface i {\n  type t = " + "list<" * 10_000 + "u8" + ">" * 10_000 + ";\n}\n"
    )
    result = run_check(path)
    assert_clean_error(result)
    assert "type nesting too deep" in result.stderr


def test_unterminated_nesting(tmp_path: Path) -> None:
    path = tmp_path / "open.wit"
    path.write_text("package a:b;\ninterface i {\n  type t = " + "option<" * 10_000)
    assert_clean_error(run_check(path))


def test_missing_path(tmp_path: Path) -> None:
    assert_clean_error(run_check(tmp_path / "nope.wit"))


def test_empty_directory(tmp_path: Path) -> None:
    assert_clean_error(run_check(tmp_path))


def test_valid_example_passes() -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "greeter.wit"
    result = run_check(example)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
