"""Exports of world `host`."""
