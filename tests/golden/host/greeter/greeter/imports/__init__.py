"""Imports of world `greeter`."""
