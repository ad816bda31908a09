"""Imports of world `host`."""
