"""Exports of world `resource-world`."""
