"""Imports of world `resource-world`."""
