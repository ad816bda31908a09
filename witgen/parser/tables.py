"""LALR tables for the fast WIT parser, derived from ``wit.lark`` by lark.

lark builds the LALR(1) automaton from the grammar; this module turns it into
plain data (actions per state, the shape of each rule, the terminals) that
``parser.py`` runs with its own loop and lexer. The data is generated into
``wit.tables.json`` so that a parse needs neither lark nor a cache directory
(JSON rather than Python: it loads as fast without a bytecode cache)::

    python -m witgen.parser.tables      # regenerate after editing wit.lark

The file records a checksum of the grammar it was made from; when it no longer
matches ``wit.lark``, ``load()`` builds the tables with lark instead (slower
start-up, same result).
"""

from __future__ import annotations

import json
import re
import sys
import zlib
from pathlib import Path
from typing import Any

GRAMMAR_PATH = Path(__file__).with_name("wit.lark")
GENERATED_PATH = Path(__file__).with_name("wit.tables.json")

Rule = tuple[str, int, "str | None", bool, "tuple[tuple[int, bool], ...] | None"]
"""(origin, number of symbols, builder method or None, expand a single child, child filter).

The child filter lists, for each child kept, its index and whether it is an
inlined ``__rule`` whose children are spliced in (lark's ``ChildFilterLALR``).
"""

# Terminals the fast lexer knows how to scan (see ``parser._scan``): anything
# else in the grammar means the grammar changed shape and the lexer must too.
IGNORED = ("WS", "COMMENT", "BLOCK_COMMENT")
REGEX_TERMINALS = ("ID", "VERSION", "INTEGER", "STRING")


class Tables:
    """The parser's data: see ``build``."""

    __slots__ = ("checksum", "start", "end", "actions", "rules", "words", "punct", "patterns")

    def __init__(
        self,
        checksum: str,
        start: int,
        end: int,
        actions: list[dict[str, int]],
        rules: list[Rule],
        words: dict[str, str],
        punct: dict[str, str],
        patterns: dict[str, str],
    ) -> None:
        self.checksum = checksum
        self.start = start
        self.end = end
        self.actions = actions
        """Per state: terminal or rule name -> next state (shift/goto, >= 0) or ``~rule`` (reduce)."""
        self.rules = rules
        self.words = words
        """Keyword literals (spelled like identifiers) -> terminal name."""
        self.punct = punct
        """Punctuation literals -> terminal name."""
        self.patterns = patterns
        """Regular expressions of the ignored and regex terminals."""


def grammar_checksum(text: str) -> str:
    return f"{zlib.crc32(text.encode()):08x}-{len(text)}"


def load() -> Tables:
    """The generated tables if they match ``wit.lark``, else tables built with lark."""
    checksum = grammar_checksum(GRAMMAR_PATH.read_text())
    try:
        data = json.loads(GENERATED_PATH.read_text())
    except (OSError, ValueError):
        data = None
    if data is not None and data.get("checksum") == checksum:
        return Tables(
            checksum,
            data["start"],
            data["end"],
            data["actions"],
            [
                (origin, size, method, expand1, None if kept is None else tuple((i, x) for i, x in kept))
                for origin, size, method, expand1, kept in data["rules"]
            ],
            data["words"],
            data["punct"],
            data["patterns"],
        )
    from witgen.parser.parser import lark_parser

    return build(lark_parser()[0], checksum)


def build(lark: Any, checksum: str) -> Tables:
    """Extract the tables from a lark LALR parser built with ``keep_all_tokens`` and
    ``maybe_placeholders=False`` (see ``parser.lark_parser``)."""
    from lark.grammar import Rule as LarkRule
    from lark.parse_tree_builder import ChildFilterLALR_NoPlaceholders, ExpandSingleChild
    from lark.parsers.lalr_analysis import Shift

    from witgen.parser.builder import AstBuilder

    terminals = {t.name: t for t in lark.terminals}
    if any(t.priority != 0 or t.pattern.flags for t in terminals.values()):
        raise ValueError("terminal priorities and flags are not supported by the fast lexer")
    regex_names = {name for name, t in terminals.items() if t.pattern.type == "re"}
    if regex_names != set(IGNORED + REGEX_TERMINALS) or set(lark.lexer_conf.ignore) != set(IGNORED):
        raise ValueError(f"unexpected regex terminals {sorted(regex_names)}; update the fast lexer")
    # Where two terminals can start alike, the fast lexer tries them in lark's order.
    order = sorted(terminals.values(), key=lambda t: (-t.pattern.max_width, -len(t.pattern.value), t.name))
    if order.index(terminals["VERSION"]) > order.index(terminals["INTEGER"]):
        raise ValueError("lark tries INTEGER before VERSION; update the fast lexer")
    patterns = {name: terminals[name].pattern.to_regexp() for name in IGNORED + REGEX_TERMINALS}
    for name, pattern in patterns.items():
        if re.compile(pattern).groups:
            raise ValueError(f"terminal {name} has capturing groups")
    id_re = re.compile(patterns["ID"])
    words: dict[str, str] = {}
    punct: dict[str, str] = {}
    for name, t in terminals.items():
        if t.pattern.type != "str":
            continue
        value = t.pattern.value
        if id_re.fullmatch(value):
            words[value] = name
        else:
            first = value[0]
            if first.isalnum() or first in '%"' or first.isspace() or (first == "/" and value != "/"):
                raise ValueError(f"literal {value!r} is neither a word nor punctuation")
            punct[value] = name

    table = lark.parser.parser.parser.parse_table
    rule_index: dict[LarkRule, int] = {}
    rules: list[Rule] = []
    for rule, chain in lark._parse_tree_builder.rule_builders:
        name = rule.alias or rule.options.template_source or rule.origin.name
        method = name if callable(getattr(AstBuilder, name, None)) else None
        expand1 = False
        child_filter: tuple[tuple[int, bool], ...] | None = None
        for wrapper in chain:
            if wrapper is ExpandSingleChild:
                expand1 = True
            elif getattr(wrapper, "func", None) is ChildFilterLALR_NoPlaceholders:
                child_filter = tuple((i, bool(expand)) for i, expand in wrapper.args[0])
            else:
                raise ValueError(f"unsupported tree-builder wrapper {wrapper!r}")
        if method is None and not expand1 and not rule.origin.name.startswith("_"):
            raise ValueError(f"rule {rule.origin.name} has no AstBuilder method")
        rule_index[rule] = len(rules)
        rules.append((rule.origin.name, len(rule.expansion), method, expand1, child_filter))

    # lark numbers states differently from run to run (set order); number them in
    # breadth-first order from the start state so the generated file is stable.
    states = table.states
    start = table.start_states["start"]
    number = {start: 0}
    order = [start]
    for state in order:
        for symbol in sorted(states[state]):
            action, arg = states[state][symbol]
            if action is Shift and arg not in number:
                number[arg] = len(order)
                order.append(arg)
    if len(order) != len(states):
        raise ValueError("unreachable parser states")
    actions: list[dict[str, int]] = []
    for state in order:
        row: dict[str, int] = {}
        for symbol, (action, arg) in sorted(states[state].items()):
            row[symbol] = number[arg] if action is Shift else ~rule_index[arg]
        actions.append(row)
    end = number[table.end_states["start"]]
    return Tables(checksum, 0, end, actions, rules, words, punct, patterns)


def render(tables: Tables) -> str:
    """The tables as JSON (one parser state a line)."""
    fields: list[tuple[str, object]] = [
        ("checksum", tables.checksum),
        ("start", tables.start),
        ("end", tables.end),
        ("words", dict(sorted(tables.words.items()))),
        ("punct", dict(sorted(tables.punct.items()))),
        ("patterns", tables.patterns),
    ]
    lines = [f"{json.dumps(key)}: {json.dumps(value)}," for key, value in fields]
    lines.append('"rules": [')
    lines.append(",\n".join(json.dumps(rule) for rule in tables.rules))
    lines.append("],")
    lines.append('"actions": [')
    lines.append(",\n".join(json.dumps(dict(sorted(row.items()))) for row in tables.actions))
    lines.append("]")
    return "{\n" + "\n".join(lines) + "\n}\n"


def main() -> int:
    from witgen.parser.parser import lark_parser

    text = GRAMMAR_PATH.read_text()
    GENERATED_PATH.write_text(render(build(lark_parser()[0], grammar_checksum(text))))
    print(f"wrote {GENERATED_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
