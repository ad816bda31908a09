"""Imports of world `async-maps`."""
