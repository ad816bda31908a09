"""Runtime library imported by generated bindings."""
