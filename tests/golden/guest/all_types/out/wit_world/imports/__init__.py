"""Imports of world `all-types`."""
