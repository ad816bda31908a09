"""Exports of world `name-clashes`."""
