"""How WIT items look in Python: names and type expressions, shared by the host and guest generators.

The conventions are componentize-py's, so one set of names holds on both sides of a component.
"""
