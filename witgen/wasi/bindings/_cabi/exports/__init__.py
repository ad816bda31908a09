"""Private: see `_cabi/__init__.py`."""
