"""Private: see `_wiring/__init__.py`."""
