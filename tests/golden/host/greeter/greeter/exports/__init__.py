"""Exports of world `greeter`."""
