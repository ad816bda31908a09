"""Differential fuzzing of the two engines through random forwarding components (see test_differential.py)."""
