"""`Some`, `Ok`, `Err` and `Result`: the value shapes componentize-py uses, so one convention
holds on both sides of the component boundary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, Union

S = TypeVar("S")
T = TypeVar("T")
E = TypeVar("E")


@dataclass(frozen=True)
class Some(Generic[S]):
    """The `some` case of a nested `option<option<T>>` (plain `T` is used where it is unambiguous)."""

    value: S


@dataclass(frozen=True)
class Ok(Generic[T]):
    """The `ok` case of a `result`."""

    value: T


@dataclass(frozen=True)
class Err(Generic[E], Exception):
    """The `err` case of a `result`; raised by functions whose WIT result is a `result`."""

    value: E

    def __str__(self) -> str:
        return f"Err({self.value!r})"


Result = Union[Ok[T], Err[E]]
