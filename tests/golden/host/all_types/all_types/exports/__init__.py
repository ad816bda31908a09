"""Exports of world `all-types`."""
