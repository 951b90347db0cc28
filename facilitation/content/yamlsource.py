"""Read trainers' YAML safely, keeping the line and column of every key and item.

PyYAML's parser produces a stream of events (the C parser when libyaml is present, else the pure-Python
one); this module builds plain Python data from those events itself, iteratively, instead of letting
PyYAML construct objects. That gives us, in one pass:

- a map from each path (`("stages", 0, "facts", 1, "held_by")`) to its (line, column), so that a
  validation error can name the place in the file;
- refusals PyYAML would not make: duplicate keys (PyYAML silently keeps the last), anchors and aliases
  (the alias bomb), tags other than the plain ones (`!!python/object` is never constructed, let alone
  run), nesting too deep, more than one document;
- no recursion, so no hostile file can exhaust the stack.

Every refusal is a `Flaw` with a plain-English message; `read_yaml` raises `YamlRefused` with all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode

from facilitation.errors import YamlRefused

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Flaw",
    "Path",
    "Source",
    "YamlRefused",
    "decode",
    "read_yaml",
    "too_big",
]

MAX_BYTES = (
    1024 * 1024
)  # a scenario is a few dozen KiB; anything near 1 MiB is a mistake or an attack
MAX_DEPTH = (
    32  # the contract nests five deep; this leaves room for mistakes without risking the stack
)
_MAX_TAB_FLAWS = 20  # one per line is useful; a thousand is noise
MAX_NODES = 20_000  # a full 12-stage scenario has about 4,000 values; this bounds time and memory

Path = tuple[str | int, ...]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
# Tags a trainer's file may use, implicitly or written out (`!!str`): plain data, nothing else.
_PLAIN_TAGS = {
    f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}


class Flaw(NamedTuple):
    """One reason a text is not acceptable YAML for the app, at a 1-based line and column."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Source:
    """Plain data read from YAML, with the position of everything in it.

    `positions[path]` is where the key starts for a mapping entry, else where the item starts.
    """

    data: Any
    positions: dict[Path, tuple[int, int]] = field(repr=False)
    flaws: tuple[Flaw, ...] = ()  # only with `lenient=True`: flaws that leave the data usable

    def locate(self, path: Path) -> tuple[int, int]:
        """The (line, column) of `path`, or of its nearest ancestor present in the file (a missing key)."""
        path = tuple(path)
        while path and path not in self.positions:
            path = path[:-1]
        return self.positions.get(path, (1, 1))


def decode(raw: bytes) -> str:
    """UTF-8 text from bytes (a BOM is dropped); `YamlRefused` naming the line if it is not UTF-8."""
    if len(raw) > MAX_BYTES:
        raise YamlRefused([too_big(len(raw))])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise YamlRefused(
            [
                Flaw(
                    line,
                    column,
                    (
                        f"this is not UTF-8 text (byte 0x{raw[error.start]:02x} on line {line}): the file may be binary, or "
                        "saved in another encoding; save it as UTF-8 (in most editors: Save As, Encoding: UTF-8)"
                    ),
                )
            ]
        ) from None


def read_yaml(text: str | bytes, *, lenient: bool = False) -> Source:
    """Read one YAML document whose top level is a mapping into plain data and positions.

    Raises `YamlRefused` with every flaw found; hostile constructs stop the reading at once. With
    `lenient`, flaws that leave usable data (a duplicate key: the first value is kept) are returned in
    `Source.flaws` instead, so the rest of the file can still be checked.
    """
    if isinstance(text, bytes):
        text = decode(text)
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlRefused([too_big(len(text.encode("utf-8", "surrogatepass")))])
    _refuse_unreadable(text)
    builder = _Builder()
    loader = _Loader(text)
    try:
        while loader.check_event():
            builder.feed(loader, loader.get_event())
    except yaml.MarkedYAMLError as error:
        if _LIBYAML_TOO_DEEP in str(
            error.problem
        ):  # libyaml's own limit (PyYAML >= 6.0.4) fired before ours
            raise YamlRefused([_too_deep(*_mark_of(error))]) from None
        raise YamlRefused(_tab_flaws(text) or [_syntax_flaw(error)]) from None
    except yaml.YAMLError as error:  # ReaderError and the like carry no mark
        raise YamlRefused([Flaw(1, 1, f"this file cannot be read as YAML: {error}")]) from None
    finally:
        loader.dispose()
    if builder.flaws and not lenient:
        raise YamlRefused(builder.flaws)
    _refuse_top_level(builder.root, builder.positions.get((), (1, 1)))
    return Source(builder.root, builder.positions, tuple(builder.flaws))


# ------------------------------------------------------------------------------------ before parsing


def too_big(size: int) -> Flaw:
    """The flaw of a text or file of `size` bytes, over `MAX_BYTES`."""
    return Flaw(
        1,
        1,
        f"the file is {size:,} bytes; the limit is {MAX_BYTES:,} (1 MiB); a scenario is "
        "normally a few dozen KiB, so this is probably not the file you meant",
    )


def _refuse_unreadable(text: str) -> None:
    """Refuse empty and comment-only files, and control characters, each with its own message."""
    if not text.strip():
        raise YamlRefused(
            [
                Flaw(
                    1,
                    1,
                    "the file is empty; start it with `id: ...` (run `easi new` for a starter)",
                )
            ]
        )
    bad = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]", text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise YamlRefused(
            [
                Flaw(
                    line,
                    column,
                    (
                        f"control character U+{ord(bad.group()):04X} on line {line}: the file looks binary, not text; "
                        "save it as plain UTF-8 text"
                    ),
                )
            ]
        )


def _tab_flaws(text: str) -> list[Flaw]:
    """A flaw for each line indented with a tab (YAML only allows spaces there)."""
    flaws, line, counted = [], 1, 0
    for match in re.finditer(r"(?m)^( *)\t", text):  # one scan: a file may have a million lines
        line += text.count("\n", counted, match.start())
        counted = match.start()
        if len(flaws) == _MAX_TAB_FLAWS:
            more = len(re.findall(r"(?m)^ *\t", text[match.start() :]))
            flaws.append(
                Flaw(line, 1, f"... and {more:,} more lines indented with tabs from line {line}")
            )
            break
        flaws.append(
            Flaw(
                line,
                len(match.group(1)) + 1,
                f"tab used for indentation on line {line}; YAML "
                "indents with spaces only: replace the tab with spaces",
            )
        )
    return flaws


# Plain-English hints for PyYAML's (and libyaml's) syntax-error wording, first match wins.
_SYNTAX_HINTS: tuple[tuple[str, str], ...] = (
    (
        "mapping values are not allowed",
        "a ': ' appears where no new key can start; put quotes around text "
        "that contains ': ', or check the indentation of this line",
    ),
    (
        "could not find expected ':'",
        "a line here is neither `key: value` nor a list item; check its "
        "indentation, or put text that runs onto several lines in quotes",
    ),
    (
        "did not find expected key",
        "this line is not lined up with the keys around it; indent keys at the "
        "same depth with the same number of spaces",
    ),
    (
        "did not find expected '-' indicator",
        "list items must each start with '- ' at the same indentation",
    ),
    (
        "did not find expected node content",
        "a value is missing or starts with a character YAML reserves; put the value in quotes",
    ),
    ("found unexpected end of stream", "a quote or bracket opened here is never closed"),
    (
        "while scanning a quoted scalar",
        "a quote opened here is never closed; close it, or write '' for a "
        "quote inside single quotes",
    ),
    (
        "expected ',' or ']'",
        "a [list] opened here is not closed, or an item contains ': '; close it or quote the item",
    ),
    ("expected ',' or '}'", "a {mapping} opened here is not closed; close it or quote the value"),
    (
        "that cannot start any token",
        "a value cannot start with this character (such as @, ` or %); put the value in quotes",
    ),
    (
        "found unknown escape character",
        "a backslash in double quotes starts an escape; use single quotes or write \\\\",
    ),
    (
        "but found another document",
        "the file holds more than one YAML document; keep one and remove the extra '---'",
    ),
    (
        "found duplicate anchor",
        "anchors (&name) are not allowed in these files; write the value out",
    ),
    (
        "found undefined alias",
        "aliases (*name) are not allowed in these files; write the value out",
    ),
)


_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


def _too_deep(line: int, column: int) -> Flaw:
    """The flaw of a file nested deeper than `MAX_DEPTH`, whichever parser noticed first."""
    return Flaw(
        line,
        column,
        f"nested more than {MAX_DEPTH} levels deep; the format needs at most six: "
        "check the indentation",
    )


def _mark_of(error: yaml.MarkedYAMLError) -> tuple[int, int]:
    """The 1-based line and column an error points at (1, 1 when it carries no mark)."""
    mark = error.problem_mark or error.context_mark
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


def _syntax_flaw(error: yaml.MarkedYAMLError) -> Flaw:
    """A flaw at the error's mark, PyYAML's wording followed by what to do."""
    mark = error.problem_mark or error.context_mark
    line, column = _mark_of(error)
    wording = " ".join(str(part) for part in (error.context, error.problem) if part)
    hint = next(
        (hint for key, hint in _SYNTAX_HINTS if key in wording),
        "check the line above it too: the mistake is often just before",
    )
    problem = error.problem or error.context or "invalid syntax"
    start = error.context_mark
    since = (
        f" (the construct starts on line {start.line + 1})"
        if start and mark and start.line != mark.line
        else ""
    )
    return Flaw(line, column, f"YAML syntax error ({problem}): {hint}{since}")


def _refuse_top_level(root: Any, at: tuple[int, int]) -> None:
    """The top level must be a mapping of fields; say what it is instead."""
    if root is None:
        raise YamlRefused(
            [
                Flaw(
                    1,
                    1,
                    "the file holds only comments (or nothing after '---'); add the fields, "
                    "starting with `id: ...` (run `easi new` for a starter)",
                )
            ]
        )
    if isinstance(root, list):
        raise YamlRefused(
            [
                Flaw(
                    *at,
                    "the top level of the file is a list (lines starting with '- '); it must be "
                    "a mapping of fields such as `id: ...` and `title: ...`, not indented",
                )
            ]
        )
    if not isinstance(root, dict):
        raise YamlRefused(
            [
                Flaw(
                    *at,
                    f"the top level of the file is a single value ({str(root)[:40]!r}); it must "
                    "be a mapping of fields such as `id: ...` and `title: ...`",
                )
            ]
        )


# ------------------------------------------------------------------------------------------ building


@dataclass
class _Frame:
    """A mapping or sequence being filled, and (for a mapping) the key awaiting its value."""

    container: dict | list
    path: Path
    key: Any = None
    has_key: bool = False
    key_lines: dict = field(default_factory=dict)


class _Builder:
    """Turns parser events into plain data, positions and flaws, without recursion."""

    def __init__(self) -> None:
        self.root: Any = None
        self.documents = 0
        self.nodes = 0
        self.positions: dict[Path, tuple[int, int]] = {}
        self.flaws: list[Flaw] = []
        self.stack: list[_Frame] = []

    def feed(self, loader, event) -> None:
        """Take one event; hostile constructs raise `YamlRefused` at once (nothing after them matters)."""
        if isinstance(event, DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise YamlRefused(
                    [
                        Flaw(
                            *_at(event),
                            "the file holds more than one YAML document (a second "
                            "'---'); keep one document per file",
                        )
                    ]
                )
        elif isinstance(event, AliasEvent):
            raise YamlRefused(
                [
                    Flaw(
                        *_at(event),
                        f"alias '*{event.anchor}' found: anchors (&) and aliases (*) "
                        "are not allowed in these files; write the value out in full",
                    )
                ]
            )
        elif isinstance(event, (ScalarEvent, SequenceStartEvent, MappingStartEvent)):
            self._node(loader, event)
        elif isinstance(event, (SequenceEndEvent, MappingEndEvent)):
            self.stack.pop()

    def _node(self, loader, event) -> None:
        if event.anchor is not None:
            raise YamlRefused(
                [
                    Flaw(
                        *_at(event),
                        f"anchor '&{event.anchor}' found: anchors (&) and aliases (*) "
                        "are not allowed in these files; write the value out in full",
                    )
                ]
            )
        tag = self._tag(loader, event)
        if tag not in _PLAIN_TAGS:
            raise YamlRefused(
                [
                    Flaw(
                        *_at(event),
                        f"the tag '{_written(event.tag or tag)}' is not allowed: these files "
                        "hold plain text, numbers, lists and mappings only; remove it",
                    )
                ]
            )
        if len(self.stack) >= MAX_DEPTH:
            raise YamlRefused([_too_deep(*_at(event))])
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlRefused(
                [
                    Flaw(
                        *_at(event),
                        f"the file holds more than {MAX_NODES:,} values; a scenario "
                        "needs a few thousand at most, so this is probably not a scenario",
                    )
                ]
            )
        frame = self.stack[-1] if self.stack else None
        if frame is not None and isinstance(frame.container, dict) and not frame.has_key:
            self._key(loader, frame, event, tag)
            return
        value: Any
        if isinstance(event, ScalarEvent):
            value = self._scalar(loader, event, tag)
        else:
            value = {} if isinstance(event, MappingStartEvent) else []
        path = self._place(frame, value, event)
        if not isinstance(event, ScalarEvent):
            self.stack.append(_Frame(value, path))

    @staticmethod
    def _tag(loader, event) -> str:
        """The resolved tag: explicit (`!!str`), else what the plain value looks like (`3` is an int)."""
        if isinstance(event, ScalarEvent):
            if event.tag in (None, "!"):
                return loader.resolve(ScalarNode, event.value, event.implicit)
            return event.tag
        if event.tag in (None, "!"):
            return f"{_TAG}map" if isinstance(event, MappingStartEvent) else f"{_TAG}seq"
        return event.tag

    def _scalar(self, loader, event, tag: str) -> Any:
        if tag == f"{_TAG}timestamp":  # no field holds a date: keep what was written as text
            return event.value
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return loader.yaml_constructors[tag](loader, node)
        except (
            ValueError,
            yaml.YAMLError,
        ):  # such as an integer of 5,000 digits: the models refuse the text
            return event.value

    def _key(self, loader, frame: _Frame, event, tag: str) -> None:
        """Record a mapping key, refusing non-scalar keys and a key already used in this mapping."""
        if not isinstance(event, ScalarEvent):
            raise YamlRefused(
                [
                    Flaw(
                        *_at(event),
                        "a key must be a plain word such as `title`, not a list or "
                        "mapping; check the indentation or remove the '?'",
                    )
                ]
            )
        key = self._scalar(loader, event, tag)
        if not isinstance(key, (str, int)) or isinstance(
            key, bool
        ):  # `yes:`, `~:`, `1.5:`: keep the words
            key = event.value
        line, column = _at(event)
        if key in frame.key_lines:
            self.flaws.append(
                Flaw(
                    line,
                    column,
                    (
                        f"duplicate key '{event.value}': first on line {frame.key_lines[key]}, again on line {line}; "
                        "a key may appear only once in a mapping (YAML would silently keep the last): keep one"
                    ),
                )
            )
            key = _Duplicate(
                key, line
            )  # keep the first value; still walk this one for its own flaws
        else:
            frame.key_lines[key] = line
        frame.key, frame.has_key = key, True
        self.positions.setdefault((*frame.path, key), (line, column))

    def _place(self, frame: _Frame | None, value: Any, event) -> Path:
        """Put a value into its parent (or make it the root); return its path."""
        if frame is None:
            self.root = value
            self.positions[()] = _at(event)
            return ()
        if isinstance(frame.container, list):
            path = (*frame.path, len(frame.container))
            frame.container.append(value)
            self.positions[path] = _at(event)
            return path
        key, frame.key, frame.has_key = frame.key, None, False
        if isinstance(key, _Duplicate):
            # not stored: the duplicate is reported, the first value kept
            return (*frame.path, key)
        frame.container[key] = value
        return (*frame.path, key)


class _Duplicate(NamedTuple):
    """Stands in for a repeated key, so the repeat is walked but never stored."""

    key: Any
    line: int


def _written(tag: str) -> str:
    """A tag as trainers would write it: `!!python/object`, not `tag:yaml.org,2002:python/object`."""
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _at(event) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1
