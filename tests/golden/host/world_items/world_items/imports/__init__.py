"""Imports of world `items`."""
