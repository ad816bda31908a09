"""Exports of world `both-ways`."""
