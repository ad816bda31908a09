"""What every part of the fast formatter shares: the line length and the signal that code is
outside the subset it handles."""

LINE_LENGTH = 110


class Unsupported(Exception):
    """This code is outside the subset handled here: black formats it."""
