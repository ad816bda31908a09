"""Rendering one logical line as black does: spacing, invisible parentheses, and the right-hand
and delimiter splits of a line that is too long or has a magic trailing comma."""

from __future__ import annotations

from dataclasses import dataclass

from witgen.pyview.fastfmt.common import LINE_LENGTH, Unsupported
from witgen.pyview.fastfmt.strings import normalise_docstring, normalise_number, normalise_string
from witgen.pyview.fastfmt.tokens import CLOSING, INV, NAME, NUM, OP, OPENING, STR, LogicalLine, Tok

_KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else except "
    "finally for from global if import in is lambda nonlocal not or pass raise return try while "
    "with yield".split()
)
# Keywords that end up in lines the fast path handles; any other makes the chunk black's.
_UNSUPPORTED_KEYWORDS = frozenset("async await lambda yield global nonlocal".split())
_VALUE_KEYWORDS = frozenset(("None", "True", "False"))


def format_line(line: LogicalLine, docstring: bool, future: bool) -> list[str]:
    indent = "    " * line.depth
    if line.unsupported:
        raise Unsupported("marked while tokenizing")
    if line.is_comment:
        assert line.comment is not None
        return [indent + line.comment]
    toks = line.toks
    if docstring:
        if line.comment is not None:
            raise Unsupported("comment after a docstring")
        return (indent + normalise_docstring(toks[0].text, line.depth)).split("\n")
    if line.multiline_string:
        if line.is_lone_string and line.comment is None:
            return (indent + normalise_string(toks[0].text)).split("\n")
        raise Unsupported("multiline string in an expression")
    for t in toks:
        if t.kind == NAME and t.text in _UNSUPPORTED_KEYWORDS or t.text == ";":
            raise Unsupported(f"{t.text}")
    if line.is_lone_string:
        # black can't split a string alone on its line: it stays, however long
        result = [indent + normalise_string(toks[0].text)]
    else:
        result = _Line(toks, line.depth, future).format()
    if line.comment is not None:
        if len(result) != 1:
            raise Unsupported("split line with a comment")
        text = result[0] + "  " + line.comment
        if not text.isascii() or len(text) > LINE_LENGTH:
            raise Unsupported("long line with a comment")
        return [text]
    return result


# Roles of opening brackets
CALL, SUB, PARAMS, ATOM, CLASSARGS, INVIS = "call", "sub", "params", "atom", "classargs", "invis"
COMMA_PRIORITY, LOGIC_PRIORITY, DOT_PRIORITY = 18, 14, 1
# Statements whose parts black wraps in invisible parentheses: splitting them is black's job.
_NO_SPLIT = frozenset("for del assert with else except import from class @ try finally".split())
# Keywords after which black removes redundant parentheses.
_PAREN_KEYWORDS = frozenset("return if elif while for in del assert with else except import".split())


def _match_forward(toks: list[Tok], start: int) -> int:
    level = 0
    for k in range(start, len(toks)):
        t = toks[k]
        if t.kind == OP and t.text in OPENING:
            level += 1
        elif t.kind == OP and t.text in CLOSING:
            level -= 1
            if level == 0:
                return k
    raise Unsupported("unbalanced")


class _CannotSplit(Exception):
    pass


@dataclass
class _Piece:
    """Tokens lo..hi of a `_Line` emitted at `depth`: black's `Line` after a split."""

    lo: int
    hi: int
    depth: int
    inside_brackets: bool = False
    should_split: bool = False
    add_comma: bool = False  # the comma black's delimiter split adds after the last element


class _Line:
    """A logical line being rendered and split: black's `Line` for the subset handled here."""

    def __init__(self, toks: list[Tok], depth: int, future: bool) -> None:
        self.depth = depth
        # with `from __future__ import annotations` black infers Python >= 3.7 and adds a
        # trailing comma after `*args` when it splits; without, that depends on the module
        self.future = future
        self.toks = self._with_invisible_parens(toks)
        self.no_split = toks[0].text in _NO_SPLIT
        self._analyse()
        self.sp = self._spaces()

    # -- structure --------------------------------------------------------------------------
    def _with_invisible_parens(self, toks: list[Tok]) -> list[Tok]:
        """black wraps an assignment's right-hand side and a `return` value in invisible
        parentheses (it shows them when it splits there)."""
        for i in range(len(toks) - 2):
            if toks[i].text == "[" and toks[i + 1].text == "(" and toks[i].kind == OP:
                m = _match_forward(toks, i + 1)
                inner = toks[i + 2 : m]
                level = 0
                tuple_like = not inner
                for t in inner:
                    level += (t.text in OPENING) - (t.text in CLOSING) if t.kind == OP else 0
                    tuple_like = tuple_like or (level == 0 and t.text in (",", "for"))
                if m + 1 < len(toks) and toks[m + 1].text == "]" and not tuple_like:
                    raise Unsupported("a parenthesised lone list item: black removes the parentheses")
        for i in range(len(toks) - 1):
            t = toks[i]
            if toks[i + 1].text == "(" and t.kind == NAME and t.text in _PAREN_KEYWORDS:
                if (t.text == "in" and toks[0].text != "for") or (t.text == "return" and i == 0):
                    continue
                m = _match_forward(toks, i + 1)
                if m + 1 >= len(toks) or toks[m + 1].text in (":", ","):
                    raise Unsupported("parentheses black may remove")
        first = toks[0].text
        if toks[0].kind == NAME and first in _KEYWORDS and first not in _VALUE_KEYWORDS:
            if first in ("if", "elif", "while") and len(toks) > 2 and toks[-1].text == ":":
                return [toks[0], Tok(INV, "("), *toks[1:-1], Tok(INV, ")"), toks[-1]]
            if first == "return" and len(toks) > 1:
                if toks[-1].text == "," and toks[-1].kind == OP:
                    raise Unsupported("a bare one-tuple: black adds parentheses")
                return self._wrap(toks, 1)
            if first == "class" and len(toks) > 3 and toks[2].text == "(" and toks[3].text == ")":
                raise Unsupported("empty class parentheses")
            return toks
        level = 0
        eq: list[int] = []
        for i, t in enumerate(toks):
            if t.kind != OP:
                continue
            if t.text in OPENING:
                level += 1
            elif t.text in CLOSING:
                level -= 1
            elif level == 0 and t.text.endswith("=") and t.text not in ("==", "<=", ">=", "!="):
                eq.append(i)
            elif level == 0 and t.text == "," and (i + 1 == len(toks) or toks[i + 1].text == "="):
                if (
                    i + 1 < len(toks)
                    and not any(u.text == "," and u.kind == OP for u in toks[:i])
                    and "=" not in [u.text for u in toks[i + 2 :]]
                ):
                    # `a, = x`: black parenthesises the one-tuple target
                    toks = [Tok(OP, "("), *toks[: i + 1], Tok(OP, ")"), *toks[i + 1 :]]
                    return self._with_invisible_parens(toks)
                raise Unsupported("a bare tuple ending in a comma: black adds parentheses")
        if not eq:
            return toks
        if len(eq) > 1:
            raise Unsupported("chained assignment")
        if eq[0] + 1 >= len(toks):
            raise Unsupported("bad assignment")
        return self._wrap(toks, eq[0] + 1)

    @staticmethod
    def _wrap(toks: list[Tok], start: int) -> list[Tok]:
        """`toks[start:]` in invisible parentheses, unless it is a parenthesised tuple (black
        keeps those parentheses) or has redundant parentheses (black removes them)."""
        if toks[start].text == "(" and toks[start].kind == OP:
            level = 0
            commas = 0
            for k in range(start, len(toks)):
                t = toks[k]
                if t.kind != OP:
                    continue
                if t.text in OPENING:
                    level += 1
                elif t.text in CLOSING:
                    level -= 1
                    if level == 0:
                        if k != len(toks) - 1:
                            break  # the value only starts with a parenthesised part
                        if commas or k == start + 1:
                            return toks  # a tuple
                        inner = toks[start + 1 : k]
                        doubled = inner[0].text == "(" and _match_forward(inner, 0) == len(inner) - 1
                        if doubled or any(t.kind == NAME and t.text in ("for", "if") for t in inner):
                            raise Unsupported("parentheses black may keep")
                        # black makes redundant parentheses its invisible ones
                        return [*toks[:start], Tok(INV, "("), *inner, Tok(INV, ")")]
                elif t.text == "," and level == 1:
                    commas += 1
        return [*toks[:start], Tok(INV, "("), *toks[start:], Tok(INV, ")")]

    def _analyse(self) -> None:
        toks = self.toks
        n = len(toks)
        self.match = [-1] * n  # the matching bracket
        self.level = [0] * n  # brackets around each token (a bracket itself: outside)
        self.role: dict[int, str] = {}
        stack: list[int] = []
        for i, t in enumerate(toks):
            is_open = (t.kind == OP and t.text in OPENING) or (t.kind == INV and t.text == "(")
            is_close = (t.kind == OP and t.text in CLOSING) or (t.kind == INV and t.text == ")")
            if is_open:
                self.role[i] = INVIS if t.kind == INV else self._role(i)
                self.level[i] = len(stack)
                stack.append(i)
            elif is_close:
                if not stack:
                    raise Unsupported("unbalanced")
                j = stack.pop()
                self.match[i] = j
                self.match[j] = i
                self.level[i] = len(stack)
            else:
                self.level[i] = len(stack)
        if stack:
            raise Unsupported("unbalanced")

    def _role(self, i: int) -> str:
        t = self.toks[i]
        prev = self.toks[i - 1] if i else None
        trailer = prev is not None and (
            (prev.kind == NAME and (prev.text not in _KEYWORDS or prev.text in _VALUE_KEYWORDS))
            or (prev.kind == OP and prev.text in (")", "]"))
            or prev.kind == STR
        )
        if t.text == "(" and trailer:
            if i == 2 and self.toks[0].text == "def":
                return PARAMS
            if i == 2 and self.toks[0].text == "class":
                return CLASSARGS
            return CALL
        if t.text == "[" and trailer:
            return SUB
        return ATOM

    def _prev_visible(self, i: int) -> int:
        j = i - 1
        while j >= 0 and self.toks[j].kind == INV:
            j -= 1
        return j

    def _unary(self, i: int) -> bool:
        """Is the operator at `i` unary (or the `*`/`**` of varargs or unpacking)?"""
        j = i - 1
        if j < 0:
            return True
        p = self.toks[j]
        if p.kind == INV:
            return p.text == "("
        if p.kind == OP:
            return p.text not in CLOSING
        return p.kind == NAME and p.text in _KEYWORDS and p.text not in _VALUE_KEYWORDS

    # -- spacing ----------------------------------------------------------------------------
    def _spaces(self) -> list[str]:
        """The whitespace before each token: black's `whitespace()` for this subset."""
        toks = self.toks
        out = [""] * len(toks)
        stack: list[int] = []
        annotated = False  # in a def's parameters: the current one has an annotation
        for i, t in enumerate(toks):
            if i:
                out[i] = self._space(i, stack[-1] if stack else -1, annotated)
            if t.kind == INV:
                if t.text == "(":
                    stack.append(i)
                else:
                    stack.pop()
            elif t.kind == OP:
                top = self.role.get(stack[-1]) if stack else None
                if t.text in OPENING:
                    stack.append(i)
                    if self.role[i] == PARAMS:
                        annotated = False
                elif t.text in CLOSING:
                    stack.pop()
                elif top == PARAMS and t.text == ",":
                    annotated = False
                elif top == PARAMS and t.text == ":":
                    annotated = True
        return out

    def _space(self, i: int, open_i: int, annotated: bool) -> str:
        toks = self.toks
        t = toks[i]
        p = toks[i - 1]
        top = self.role.get(open_i) if open_i >= 0 else None
        if p.kind == INV and p.text == "(":
            return ""
        if t.kind == INV:
            if t.text == ")":
                return ""
            t = Tok(OP, "(")  # spaced like an atom's parenthesis
        tt, pt = t.text, p.text
        p_op = p.kind in (OP, INV)
        if t.kind == OP:
            if tt in CLOSING or tt == ",":
                return ""
            if tt in ("(", "[") and self.role.get(i) in (CALL, SUB, PARAMS, CLASSARGS):
                return ""
            if tt == ".":
                if p.kind == NUM:
                    raise Unsupported("attribute of a number")
                if toks[0].text == "from" and (pt == "from" or pt in (".", "...")):
                    return " " if pt == "from" else ""
                if toks[0].text == "import" and pt == "import":
                    raise Unsupported("odd import")
                return ""
            if tt == "..." and toks[0].text == "from":
                if pt == "from":
                    return " "
                if pt in (".", "..."):
                    return ""
                raise Unsupported("odd import")
            if tt == "...":
                if p_op and pt in ("(", "["):
                    return ""
                if p_op and pt == ",":
                    return " "
                raise Unsupported("ellipsis")
            if tt == ":":
                if top == SUB:
                    return self._slice_space(i, open_i)
                return ""
            if tt == "=":
                if top in (CALL, CLASSARGS):
                    return ""
                if top == PARAMS:
                    return " " if annotated else ""
                if top is None:
                    return " "
                raise Unsupported("= inside brackets")
            if tt == "@":
                if i == 0:
                    return ""
                raise Unsupported("matrix product")
        if p_op:
            if pt in OPENING:
                return ""
            if pt == ".":
                if tt == "import":
                    return " "
                if t.kind != NAME and tt != ".":
                    raise Unsupported("odd attribute")
                return ""
            if pt == "...":
                if toks[0].text == "from" and tt != "import":
                    return ""  # `from ...pkg import x`
                return " "
            if pt == "@":
                if i == 1:
                    return ""
                raise Unsupported("matrix product")
            if pt == ":":
                if top == SUB:
                    return self._slice_space(i - 1, open_i)
                return " "
            if pt == "=":
                if top in (CALL, CLASSARGS):
                    return ""
                if top == PARAMS:
                    return " " if annotated else ""
                return " "
            if pt in ("*", "**", "-", "+", "~") and self._unary(i - 1):
                if pt == "**" and top not in (CALL, PARAMS, ATOM):
                    raise Unsupported("odd **")
                return ""
            if pt == "**":
                raise Unsupported("power operator")
            return " "
        if t.kind == OP and tt == "**" and not self._unary(i):
            raise Unsupported("power operator")
        return " "

    def _slice_space(self, colon: int, open_i: int) -> str:
        """Spaces around a slice's `:`: none for simple operands; black's "complex subscript"
        spacing, like a binary operator's, when an operand is an expression."""
        close_i = self.match[open_i]
        lvl = self.level[open_i] + 1
        lo, hi = open_i + 1, close_i
        for k in range(open_i + 1, close_i):
            if self.level[k] == lvl and self.toks[k].kind == OP and self.toks[k].text == ",":
                if k < colon:
                    lo = k + 1
                else:
                    hi = k
                    break
        complex_ = False
        colons = 0
        for k in range(lo, hi):
            tk = self.toks[k]
            if self.level[k] == lvl and tk.kind == OP and tk.text == ":":
                colons += 1
            elif tk.kind == OP and not (tk.text in ("-", "+", "~") and self._unary(k)):
                complex_ = True
            elif tk.kind == NAME and tk.text in _KEYWORDS and tk.text not in _VALUE_KEYWORDS:
                raise Unsupported("keyword in a slice")
        if colons == 0:
            raise Unsupported("colon outside a slice")
        if not complex_:
            return ""
        if colons != 1 or self.toks[lo].text == ":" or self.toks[hi - 1].text == ":":
            raise Unsupported("complex slice")
        return " "

    def render(self, piece: _Piece) -> str:
        parts = ["    " * piece.depth]
        toks, sp = self.toks, self.sp
        for k in range(piece.lo, piece.hi):
            t = toks[k]
            if k != piece.lo:
                parts.append(sp[k])
            if t.kind == INV:
                # shown when the line is split at them
                if t.text == "(" and k == piece.hi - 1:
                    parts.append("(")
                elif t.text == ")" and k == piece.lo:
                    parts.append(")")
            elif t.kind == STR:
                parts.append(normalise_string(t.text))
            elif t.kind == NUM:
                parts.append(normalise_number(t.text))
            else:
                parts.append(t.text)
        if piece.add_comma:
            parts.append(",")
        return "".join(parts)

    # -- splitting --------------------------------------------------------------------------
    def format(self) -> list[str]:
        out: list[str] = []
        self._transform(_Piece(0, len(self.toks), self.depth), out, top=True)
        return out

    def _transform(self, piece: _Piece, out: list[str], top: bool = False) -> None:
        """black's `transform_line`."""
        text = self.render(piece)
        if not text.isascii():
            raise Unsupported("non-ASCII code")
        magic = self._magic_comma(piece)
        if not piece.should_split and not magic and len(text) <= LINE_LENGTH:
            out.append(text)
            return
        if top and self.toks[0].text == "def":
            self._left_hand_split(piece, out)
            return
        if self.no_split:
            raise Unsupported("a statement black splits in its own way")
        if piece.inside_brackets:
            pieces = self._delimiter_split(piece)
            if pieces is not None:
                for sub in pieces:
                    self._transform(sub, out)
                return
        self._rhs(piece, out, magic)

    def _delims(self, piece: _Piece, exclude_last: bool = True) -> tuple[int, list[int]]:
        """The highest delimiter priority among the piece's outermost tokens (its last token
        excluded, as black does) and where those delimiters are; `Unsupported` for
        operators, which the fast path doesn't split at."""
        lvl = min(self.level[k] for k in range(piece.lo, piece.hi))
        commas: list[int] = []
        dots: list[int] = []
        logic: list[int] = []  # the tokens before `and` / `or` (black splits before those)
        other = False
        end = piece.hi - 1 if exclude_last else piece.hi
        for k in range(piece.lo, piece.hi):
            t = self.toks[k]
            if self.level[k] != lvl:
                continue
            if t.kind == OP:
                if t.text == ",":
                    if k < end:
                        commas.append(k)
                elif t.text == ".":
                    if k > piece.lo and self.toks[k - 1].text in CLOSING and k - 1 < end:
                        dots.append(k - 1)
                elif t.text in OPENING or t.text in CLOSING or t.text in ("...", ":", "=", "->"):
                    pass
                elif t.text in ("*", "**") and self._unary(k):
                    if not self.future:
                        raise Unsupported("varargs in a split")
                elif t.text in ("-", "+", "~") and self._unary(k):
                    pass
                else:
                    other = True
            elif t.kind == NAME and t.text in ("and", "or"):
                if piece.lo < k <= end:
                    logic.append(k - 1)
            elif t.kind == NAME and t.text in _KEYWORDS and t.text not in _VALUE_KEYWORDS:
                other = True
            elif t.kind == STR and k > piece.lo and self.toks[k - 1].kind == STR:
                other = True
        if other or logic:
            for k in range(piece.lo, piece.hi):
                if self.level[k] == lvl and self.toks[k].kind == NAME and self.toks[k].text in ("for", "if"):
                    raise Unsupported("comprehension or conditional expression")
        if commas:
            return COMMA_PRIORITY, commas
        if logic:
            return LOGIC_PRIORITY, logic
        if other:
            return -1, []  # other operators: black splits at them, the fast path doesn't
        if dots:
            return DOT_PRIORITY, dots
        return 0, []

    def _delimiter_split(self, piece: _Piece) -> list[_Piece] | None:
        """black's `delimiter_split` at commas: one element per line, and a trailing comma."""
        prio, where = self._delims(piece)
        if prio == -1:
            raise Unsupported("operator delimiters")
        if prio == 0:
            return None
        if prio == DOT_PRIORITY:
            if len(where) == 1:
                return None  # black: "splitting a single attribute from its owner looks wrong"
            raise Unsupported("method chain")
        if prio == LOGIC_PRIORITY:
            pieces = []
            lo = piece.lo
            for c in where:
                pieces.append(_Piece(lo, c + 1, piece.depth, True))
                lo = c + 1
            pieces.append(_Piece(lo, piece.hi, piece.depth, True, add_comma=piece.add_comma))
            return pieces
        pieces = []
        lo = piece.lo
        for c in where:
            pieces.append(_Piece(lo, c + 1, piece.depth, True))
            lo = c + 1
        if lo < piece.hi:
            pieces.append(_Piece(lo, piece.hi, piece.depth, True))
        last = pieces[-1]
        if piece.add_comma:
            last.add_comma = True
        elif not (self.toks[last.hi - 1].kind == OP and self.toks[last.hi - 1].text == ","):
            last.add_comma = True
        return pieces

    def _magic_comma(self, piece: _Piece) -> bool:
        """black's magic trailing comma: a comma just before a closing bracket whose opening
        bracket is in this piece (not a one-tuple, not a one-element subscript)."""
        found = False
        toks = self.toks
        for k in range(piece.lo + 1, piece.hi):
            t = toks[k]
            if t.kind != OP or t.text not in CLOSING:
                continue
            if not (toks[k - 1].kind == OP and toks[k - 1].text == ","):
                continue
            o = self.match[k]
            if o < piece.lo:
                continue
            lvl = self.level[o] + 1
            commas = sum(
                1
                for m in range(o + 1, k)
                if self.level[m] == lvl and toks[m].text == "," and toks[m].kind == OP
            )
            role = self.role[o]
            if commas == 1 and not (t.text == "}" or (t.text == "]" and role != SUB)):
                if (t.text == ")" and role == ATOM) or role == SUB:
                    continue  # a one-tuple, a one-element subscript: not magic
                raise Unsupported("one element and a trailing comma")
            found = True
        return found

    def _rhs(self, piece: _Piece, out: list[str], magic: bool) -> None:
        """black's `right_hand_split_with_omits` when its first try (the last bracket pair)
        gives a head that fits; `Unsupported` otherwise."""
        if magic and self._omits_trailers(piece):
            raise Unsupported("black would omit trailers")
        try:
            head, body, tail, opening = self._first_rhs(piece, omit_invisible=False)
        except _CannotSplit:
            # no brackets: every black transform fails and the line stays as it is
            out.append(self.render(piece))
            return
        if self.toks[opening].kind == INV and self._can_omit_invisible(body):
            # black prefers splitting at the last real bracket (`_prefer_split_rhs_oop`)
            try:
                head2, body2, tail2, opening2 = self._first_rhs(piece, omit_invisible=True)
            except _CannotSplit:
                if body.hi - body.lo == 1 and len(self.render(body)) > LINE_LENGTH:
                    out.append(self.render(piece))  # black: the body "can't be split" either
                    return
                raise Unsupported("optional parentheses around an unsplittable value") from None
            head, body, tail, opening = head2, body2, tail2, opening2
        if len(self.render(head)) > LINE_LENGTH or self._magic_comma(head):
            raise Unsupported("head too long (black omits trailers) or exploding")
        body.should_split = self._should_split_body(body, opening)
        tail.add_comma = piece.add_comma
        self._transform(head, out)
        self._transform(body, out)
        self._transform_tail(tail, out)

    def _omits_trailers(self, piece: _Piece) -> bool:
        """Would black's `generate_trailers_to_omit` offer a split omitting trailers for this
        line with a magic trailing comma? (If not, black splits at the last bracket pair.)"""
        toks = self.toks
        length = 4 * piece.depth
        opening = -1
        closing = -1
        for k in range(piece.hi - 1, piece.lo - 1, -1):
            t = toks[k]
            length += (0 if t.kind == INV else len(t.text)) + (len(self.sp[k]) if k != piece.lo else 0)
            if length > LINE_LENGTH:
                break
            is_closing = (t.kind == OP and t.text in CLOSING) or (t.kind == INV and t.text == ")")
            prev = toks[k - 1] if k > piece.lo else None
            prev_comma = prev is not None and prev.kind == OP and prev.text == ","
            if opening >= 0:
                if k == opening:
                    opening = -1
                elif is_closing and prev_comma:
                    break
            elif is_closing:
                if prev is not None and (prev.kind in (OP, INV)) and prev.text in OPENING:
                    continue
                if closing >= 0:
                    return True
                if prev_comma:
                    break
                if t.kind == OP:
                    opening = self.match[k]
                    closing = k
        return False

    def _first_rhs(self, piece: _Piece, omit_invisible: bool) -> tuple[_Piece, _Piece, _Piece, int]:
        """black's `_first_right_hand_split`: head, body and tail around the last bracket pair."""
        k = piece.hi - 1
        closing = -1
        while k >= piece.lo:
            t = self.toks[k]
            if (t.kind == INV and t.text == ")" and not omit_invisible) or (
                t.kind == OP and t.text in CLOSING
            ):
                closing = k
                break
            k -= 1
        if closing < 0:
            raise _CannotSplit()
        opening = self.match[closing]
        if opening < piece.lo:
            raise Unsupported("bracket opened on another line")
        head = _Piece(piece.lo, opening + 1, piece.depth)
        body = _Piece(opening + 1, closing, piece.depth + 1, True)
        tail = _Piece(closing, piece.hi, piece.depth)
        if body.lo >= body.hi:
            raise Unsupported("empty brackets")
        return head, body, tail, opening

    def _can_omit_invisible(self, body: _Piece) -> bool:
        """black's `can_omit_invisible_parens` for the bodies handled here."""
        prio, where = self._delims(body, exclude_last=False)
        if prio == -1:
            raise Unsupported("operators in optional parentheses")
        if prio == 0:
            return True
        if len(where) > 1:
            return False
        if prio == DOT_PRIORITY:
            return True
        first, last = self.toks[body.lo], self.toks[body.hi - 1]
        if (first.kind == OP and first.text in OPENING) or (last.kind == OP and last.text in CLOSING):
            raise Unsupported("one delimiter in optional parentheses, at a bracket")
        return False

    def _should_split_body(self, body: _Piece, opening: int) -> bool:
        """black's `should_split_line`: a collection (or a magic trailing comma) explodes one
        element per line."""
        prio, _ = self._delims(body)
        if prio != COMMA_PRIORITY:
            return False
        trailing = self.toks[body.hi - 1].kind == OP and self.toks[body.hi - 1].text == ","
        return trailing or self.role[opening] in (ATOM, INVIS)

    def _left_hand_split(self, piece: _Piece, out: list[str]) -> None:
        """black's `left_hand_split` of a `def` line: at the parameters' parentheses."""
        opening = 2
        if self.role.get(opening) != PARAMS:
            raise Unsupported("def without parameters where expected")
        closing = self.match[opening]
        head = _Piece(0, opening + 1, piece.depth)
        body = _Piece(opening + 1, closing, piece.depth + 1, True)
        tail = _Piece(closing, piece.hi, piece.depth)
        if body.lo >= body.hi:
            raise Unsupported("empty parameters")
        prio, _ = self._delims(body)
        if prio != COMMA_PRIORITY:
            raise Unsupported("a lone parameter")
        for k in range(tail.lo, tail.hi):
            if self.toks[k].text == "->" and self.toks[k + 1].text == "(":
                raise Unsupported("parenthesised return annotation")
        body.should_split = self.toks[body.hi - 1].kind == OP and self.toks[body.hi - 1].text == ","
        self._transform(head, out)
        self._transform(body, out)
        self._transform_tail(tail, out)

    def _transform_tail(self, tail: _Piece, out: list[str]) -> None:
        text = self.render(tail)
        if len(text) > LINE_LENGTH:
            raise Unsupported("long tail")
        out.append(text)
