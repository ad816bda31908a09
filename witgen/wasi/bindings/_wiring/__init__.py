"""Private: how the modules of world `host` meet the engines: codecs, import links and call-site
tables, one module per public module (`_wiring/imports/x.py` for `imports/x.py`, the world's own in
`world.py`), imported when an instance is made."""
