"""Canonical ABI layout (sizes, alignment, flattening) for the generators: coming with `witgen host`."""
