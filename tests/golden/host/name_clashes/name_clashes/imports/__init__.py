"""Imports of world `name-clashes`."""
