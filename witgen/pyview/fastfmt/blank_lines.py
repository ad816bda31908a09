"""The blank lines black puts between lines (its `EmptyLineTracker`) and the top-level chunks
black formats when the fast path gives up: both work on the logical lines, before rendering."""

from __future__ import annotations

from dataclasses import dataclass, field

from witgen.pyview.fastfmt.tokens import LogicalLine


@dataclass
class _Block:
    line: LogicalLine
    before: int
    after: int
    docstring: bool = False


@dataclass
class EmptyLineTracker:
    """black's `EmptyLineTracker` for .py files (no stubs, no `# fmt: off`)."""

    previous_line: LogicalLine | None = None
    previous_block: _Block | None = None
    previous_defs: list[LogicalLine] = field(default_factory=list)
    semantic_leading_comment: _Block | None = None
    blocks: list[_Block] = field(default_factory=list)

    def add(self, line: LogicalLine, is_docstring: bool) -> _Block:
        before, after = self._empty_lines(line, is_docstring)
        previous_after = self.previous_block.after if self.previous_block else 0
        before = max(0, before - previous_after)
        if self.previous_block is not None and self._after_module_docstring(line):
            before = 1
        block = _Block(line, before, after, is_docstring)
        if line.is_comment:
            prev = self.previous_line
            if prev is None or (
                not prev.is_decorator
                and (not prev.is_comment or before)
                and (self.semantic_leading_comment is None or before)
            ):
                self.semantic_leading_comment = block
        elif not line.is_decorator or before:
            self.semantic_leading_comment = None
        self.previous_line = line
        self.previous_block = block
        self.blocks.append(block)
        return block

    def _after_module_docstring(self, line: LogicalLine) -> bool:
        """black always leaves one blank line after a module docstring."""
        if not self.blocks or line.is_class or line.is_def:
            return False
        prev = self.blocks[-1]
        if not (prev.docstring and prev.line.depth == 0):
            return False
        return all(b.line.is_comment for b in self.blocks[:-1])

    def _empty_lines(self, line: LogicalLine, is_docstring: bool) -> tuple[int, int]:
        depth = line.depth
        before = min(line.before, 2 if depth == 0 else 1)
        user_had_newline = bool(before)
        previous_def = None
        while self.previous_defs and self.previous_defs[-1].depth >= depth:
            previous_def = self.previous_defs.pop()
        if line.is_def or line.is_class:
            self.previous_defs.append(line)
        prev = self.previous_line
        if prev is None:
            return 0, 0
        if is_docstring:
            if prev.is_class:
                return 0, 1
            if prev.opens_block and prev.is_def:
                return 0, 0
        if previous_def is not None:
            if depth:
                before = 1
            elif (
                previous_def.depth
                and line.toks
                and line.toks[-1].text == ":"
                and line.first not in ("with", "try", "for", "while", "if", "match")
            ):
                before = 1
            else:
                before = 2
        if line.is_decorator or line.is_def or line.is_class:
            return self._class_or_def(line, before, user_had_newline)
        if prev.is_import and prev.depth == 0 and depth == 0 and not line.is_import:
            return 1, 0
        if prev.is_import and not line.is_import and depth == prev.depth:
            return (before or 1), 0
        return before, 0

    def _class_or_def(self, line: LogicalLine, before: int, user_had_newline: bool) -> tuple[int, int]:
        prev = self.previous_line
        assert prev is not None
        if prev.is_decorator:
            return 0, 0
        if prev.depth < line.depth and (prev.is_class or prev.is_def):
            return (1 if user_had_newline else 0), 0
        comment_to_add_newlines: _Block | None = None
        if prev.is_comment and prev.depth == line.depth and before == 0:
            slc = self.semantic_leading_comment
            index = self._index(slc)
            if (
                slc is not None
                and index > 0
                and not self.blocks[index - 1].line.is_class
                and not self.blocks[index - 1].line.opens_block
                and slc.before <= 1
            ):
                comment_to_add_newlines = slc
            else:
                return 0, 0
        newlines = 1 if line.depth else 2
        if comment_to_add_newlines is not None:
            index = self._index(comment_to_add_newlines)
            previous_block = self.blocks[index - 1]
            comment_to_add_newlines.before = (
                max(comment_to_add_newlines.before, newlines) - previous_block.after
            )
            newlines = 0
        return newlines, 0

    def _index(self, block: _Block | None) -> int:
        if block is None:
            return -1
        for i in range(len(self.blocks) - 1, -1, -1):
            if self.blocks[i] is block:
                return i
        return -1


def top_level_chunks(lines: list[LogicalLine]) -> list[tuple[int, int]]:
    """Index ranges of the top-level statements: a depth-0 line with the lines deeper than
    it and the clauses that continue it (`else:`...), with the comments and decorators above
    it; a bare string statement stays with the statement above it (an attribute docstring)."""
    out: list[tuple[int, int]] = []
    n = len(lines)
    i = 0
    while i < n:
        start = i
        while i < n and (lines[i].is_comment or lines[i].is_decorator) and lines[i].depth == 0:
            i += 1
        i += 1
        while i < n and (
            lines[i].depth > 0
            or (not lines[i].is_comment and lines[i].first in ("else", "elif", "except", "finally"))
            or lines[i].is_lone_string
        ):
            i += 1
        out.append((start, min(i, n)))
    return out
