"""The cabi engine's side of `witgen.runtime.typecheck`: an export's or import's type, from the plan.

Checked once per component and bindings: the plan's lifted function types name resources by
`ResourceSlot`, which say whether the component defines the resource or imports it, and (from
the plan's exports) under which name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from witgen.runtime.cabi.plan import HostResource, Lift, Lower, Plan, Reg
from witgen.runtime.cabi.resolve import ResourceSlot
from witgen.runtime.codecs import Codec
from witgen.runtime.errors import LinkError
from witgen.runtime.typecheck import Res, SiteSpecs, cabi_func, check_func


def _public_names(exports: dict[str, Any], found: dict[int, str]) -> dict[int, str]:
    """The name each exported resource slot (by register) is exported under."""
    for name, item in exports.items():
        if isinstance(item, ResourceSlot):
            found.setdefault(item.reg, name)
        elif isinstance(item, dict):
            _public_names(item, found)
    return found


def check_exports(plan: Plan, interface: str, specs: SiteSpecs) -> None:
    """`typecheck.check_func` for each of `specs`, exports of `interface` ("" for the world's)."""
    scope: Any = plan.exports.get(interface) if interface else plan.exports
    if not isinstance(scope, dict):
        raise LinkError(f"the component does not export the interface {interface!r}")
    resource = _resources(plan)
    for spec in specs.values():
        name, qualname, params, result = spec[0], spec[1], spec[2], spec[3]
        item = scope.get(name)
        step = plan.steps[item.index] if isinstance(item, Reg) else None
        if not isinstance(step, Lift):
            raise LinkError(f"the component's export {qualname} is not a function")
        if step.type.is_async and spec[5] is not None:  # the bindings have sync call code for it
            raise LinkError(
                f"the component's export {qualname} is an async function, but the bindings call it as a"
                " sync one: regenerate them from the component's WIT (witgen's cabi engine runs async"
                " functions only between components so far)"
            )
        check_func(qualname, params, result, cabi_func(step.type, resource))


def check_import(
    plan: Plan, step: Lower, qualname: str, params: list[tuple[str, Codec]], result: Codec | None
) -> None:
    """`typecheck.check_func` for a host import the component lowers: the generated body reads
    the guest's core values as the bindings' types, so a component importing another type
    (same core signature, other meaning) would hand the host wrong values."""
    check_func(qualname, params, result, cabi_func(step.type, _resources(plan)), "import")


def _resources(plan: Plan) -> Callable[[Any], Res]:
    """How the plan's resource slots look to `typecheck`: name, and guest or host."""
    names: dict[int, str] | None = None

    def resource(slot: Any) -> Res:
        nonlocal names
        if not isinstance(slot, ResourceSlot):
            return Res(None, None)
        step = plan.steps[slot.reg]
        if isinstance(step, HostResource):
            return Res(step.name, False)
        if names is None:
            names = _public_names(plan.exports, {})
        name = names.get(slot.reg, slot.name)
        return Res(None if name.startswith("resource#") else name, True)

    return resource
