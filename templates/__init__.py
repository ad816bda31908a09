"""The Jinja2 templates of witgen's generators (shipped in the wheel as `witgen.templates`, read with
`importlib.resources`)."""
