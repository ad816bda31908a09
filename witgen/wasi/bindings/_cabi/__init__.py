"""Private: the cabi engine's call sites for world `host` (generated lift/lower code), one module per
public module, imported by that engine only."""
