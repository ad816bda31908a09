"""`<World>Imports` is typed: a mock missing a function, with a wrong signature, or with a resource
class whose constructor does not match, is a `mypy --strict` error; a right one passes.

Checked on the golden `resources` (imported resource classes) and `world_items` (world-level import
functions) stubs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "guest"

RESOURCES_MOCKS = """
from typing import Any

from wit_world import testing


class MockFile:
    def __init__(self, path: str) -> None:
        self.path = path

    def read(self, n: int) -> bytes:
        return b""

    def write(self, data: bytes) -> int:
        return len(data)

    @staticmethod
    def temp() -> "MockFile":
        return MockFile("/tmp/x")

    @staticmethod
    def same(a: "MockFile", b: "MockFile") -> bool:
        return a is b


class Host:
    File = MockFile

    def open(self, path: str) -> MockFile:
        return MockFile(path)

    def size(self, f: MockFile) -> int:
        return 0

    def close(self, f: MockFile) -> None:
        pass

    def make_token(self) -> object:
        return object()

    def sizes(self, files: list[Any]) -> list[int]:
        return []


class NoSizes:
    File = MockFile

    def open(self, path: str) -> MockFile:
        return MockFile(path)

    def size(self, f: MockFile) -> int:
        return 0

    def close(self, f: MockFile) -> None:
        pass

    def make_token(self) -> object:
        return object()


class WrongReturn(Host):
    def size(self, f: MockFile) -> str:  # type: ignore[override]
        return ""


class BadFile(MockFile):
    def __init__(self, path: int) -> None:  # wrong constructor parameter type
        super().__init__(str(path))


class WrongResourceClass(Host):
    File = BadFile  # type: ignore[assignment]


testing.ResourceWorldImports(host_side=Host())
testing.ResourceWorldImports(host_side=NoSizes())  # E
testing.ResourceWorldImports(host_side=WrongReturn())  # E
testing.ResourceWorldImports(host_side=WrongResourceClass())  # E
"""

WORLD_ITEMS_MOCKS = """
from wit_world import Level, testing

testing.ItemsImports(now=lambda: 1, log=lambda level, msg: None)
testing.ItemsImports(now=lambda: "1")  # E
testing.ItemsImports(log=lambda msg: None)  # E


def log(level: Level, msg: bytes) -> None:
    pass


testing.ItemsImports(log=log)  # E
"""


def _mypy_error_lines(case: str, source: str, tmp_path: Path) -> tuple[set[int], set[int], str]:
    shutil.copytree(GOLDEN / case / "out", tmp_path, dirs_exist_ok=True)
    (tmp_path / "mocks.py").write_text(source)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-color-output",
            "--cache-dir",
            str(tmp_path / ".c"),
            "mocks.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    errors = {int(line.split(":")[1]) for line in proc.stdout.splitlines() if ": error:" in line}
    expected = {i for i, line in enumerate(source.splitlines(), 1) if line.endswith("# E")}
    return errors, expected, proc.stdout


@pytest.mark.parametrize(
    ("case", "source"), [("resources", RESOURCES_MOCKS), ("world_items", WORLD_ITEMS_MOCKS)]
)
def test_wrong_mocks_are_mypy_errors(case: str, source: str, tmp_path: Path) -> None:
    errors, expected, output = _mypy_error_lines(case, source, tmp_path)
    assert errors == expected, output
