"""Exported resource `accumulator` of interface `resources` (componentize-py looks it up here)."""

from typing import Self

from wit_world import exports


class Accumulator(exports.resources.Accumulator):
    def __init__(self, start: int) -> None:
        self.value = start

    def add(self, v: int) -> int:
        self.value += v
        return self.value

    def total(self) -> int:
        return self.value

    @classmethod
    def merge(cls, a: Self, b: Self) -> Self:
        return cls(a.value + b.value)
