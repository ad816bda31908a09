"""Generate WIT source text from a resolved IR."""

from witgen.gen_wit.printer import print_package, print_resolve

__all__ = ["print_package", "print_resolve"]
