"""Exports of world `items`."""
