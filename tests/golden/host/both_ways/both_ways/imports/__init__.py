"""Imports of world `both-ways`."""
