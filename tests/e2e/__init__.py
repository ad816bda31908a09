"""End-to-end tests of `witgen host`: generated bindings driving real components."""
