"""The exported resource `store` of interface `inventory` (componentize-py finds it here)."""

from __future__ import annotations

from typing import Self

from componentize_py_types import Err
from wit_world.exports import inventory as types
from wit_world.imports import host


class Store(types.Store):
    def __init__(self, name: str) -> None:
        self._name = name
        self._items: dict[str, types.Item] = {}
        host.log(host.Level.INFO, f"opened store {name}")

    def name(self) -> str:
        return self._name

    def add_item(self, item: types.Item) -> None:
        if item.sku in self._items:
            raise Err(types.StockError_DuplicateSku(item.sku))
        if not item.name:
            raise Err(types.StockError_InvalidName())
        self._items[item.sku] = types.Item(item.sku, item.name, item.quantity)

    def apply(self, sku: str, change: types.Change) -> types.Item:
        item = self._items.get(sku)
        if item is None:
            raise Err(types.StockError_UnknownSku(sku))
        if isinstance(change, types.Change_Add):
            item.quantity += change.value
        elif isinstance(change, types.Change_Remove):
            if change.value > item.quantity:
                host.log(host.Level.WARN, f"cannot remove {change.value} {sku}")
                raise Err(types.StockError_Insufficient(item.quantity))
            item.quantity -= change.value
        elif isinstance(change, types.Change_Rename):
            if not change.value:
                raise Err(types.StockError_InvalidName())
            item.name = change.value
        else:
            item.quantity = 0
        return types.Item(item.sku, item.name, item.quantity)

    def get(self, sku: str) -> types.Item | None:
        item = self._items.get(sku)
        return None if item is None else types.Item(item.sku, item.name, item.quantity)

    def items(self) -> list[types.Item]:
        return [types.Item(i.sku, i.name, i.quantity) for i in sorted(self._items.values(), key=lambda i: i.sku)]

    def value(self) -> types.Valuation:
        total = 0
        unpriced = []
        for item in self.items():
            price = host.price_of(item.sku)
            if price is None:
                unpriced.append(item.sku)
            else:
                total += price * item.quantity
        return types.Valuation(total_cents=total, unpriced=unpriced)

    @classmethod
    def merge(cls, name: str, a: Self, b: Self) -> Self:
        merged = cls(name)
        for source in (a, b):
            for item in source.items():
                mine = merged._items.get(item.sku)
                if mine is None:
                    merged._items[item.sku] = item
                else:
                    mine.quantity += item.quantity
        return merged
