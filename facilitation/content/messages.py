"""Pydantic's validation errors in plain English, for trainers: one table from error type to wording.

`explain` turns one error into a `Finding` (where, what was found, what is expected, the choices); the
table `WORDING` holds one small function per pydantic error type, so a new kind of error is a new row.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from facilitation.content import checks

__all__ = ["WORDING", "explain"]


def _describe(value: Any) -> str:
    """A found value in words: `the number 9`, `'Police'`, `a list of 3 items`."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"'{value[:60]}...'" if len(value) > 60 else f"'{value}'"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' * (len(value) != 1)}"
    if isinstance(value, dict):
        return "a mapping (indented `key: value` lines)"
    return type(value).__name__


def _model_at(model: type[BaseModel], loc: Iterable[str | int]) -> type[BaseModel] | None:
    """The model class that holds the field at the end of `loc` (list indices skipped)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if current else None
        current = _inner_model(field.annotation) if field else None
    return current


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(filter(None, (_inner_model(arg) for arg in typing.get_args(annotation))), None)


def _description(model: type[BaseModel], loc: tuple) -> str | None:
    names = [part for part in loc if isinstance(part, str)]
    holder = _model_at(model, loc[: len(loc) - loc[::-1].index(names[-1]) - 1]) if names else None
    field = holder.model_fields.get(names[-1]) if holder else None
    return field.description if field else None


def _slugify(value: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "_", value.strip().lower()).strip("_-")
    slug = re.sub(r"^[^a-z]+", "", slug)[:48]
    return slug or "childrens_social_care"


_SLUG_RULE = (
    "ids are lowercase slugs: a letter first, then only a-z, 0-9, '_' or '-', at most 48 "
    "characters, such as '{example}'"
)


@dataclass(frozen=True)
class _Error:
    """One pydantic error, read once: where it is, how to name the field, what was found."""

    model: type[BaseModel]
    loc: tuple
    path: tuple
    name: str
    ctx: dict
    value: Any
    found: str | None
    raw: dict


# (message, expected, choices) for a Finding; None drops an error that others already explain.
Wording = tuple[str, str | None, tuple[str, ...]] | None


def _missing(e: _Error) -> Wording:
    description = (_description(e.model, e.loc) or "").rstrip(".")
    hint = f" ({description[:1].lower()}{description[1:]})" if description else ""
    return f"required field {e.name} is missing; add it{hint}", description or None, ()


def _unknown_field(e: _Error) -> Wording:
    holder = _model_at(e.model, e.loc[:-1])
    allowed = tuple(holder.model_fields) if holder else ()
    near = checks.nearest(str(e.loc[-1]), allowed)
    tail = f"did you mean '{near}'?" if near else f"allowed fields here: {', '.join(allowed)}"
    return f"unknown field '{e.loc[-1]}'; {tail}", "one of the allowed fields", allowed


def _not_allowed(e: _Error) -> Wording:
    allowed = tuple(re.findall(r"'([^']*)'", e.ctx.get("expected", "")))
    near = checks.nearest(str(e.value), allowed)
    head = f"{e.found} is not allowed for {e.name}"
    tail = f"use one of: {', '.join(allowed)}"
    message = (
        f"{head}; did you mean '{near}'? {tail[:1].upper()}{tail[1:]}"
        if near
        else f"{head}; {tail}"
    )
    return message, f"one of: {', '.join(allowed)}", allowed


def _pattern(e: _Error) -> Wording:
    if str(e.ctx.get("pattern", "")).startswith("^#"):
        return (
            f"{e.found} is not a hex colour; write it in quotes as '#' and six hex digits, such as \"#2a9d8f\"",
            'a colour such as "#2a9d8f"',
            (),
        )
    rule = _SLUG_RULE.format(example=_slugify(str(e.value)))
    return f"{e.found} is not a valid id: {rule}", "a lowercase slug", ()


def _too_long_text(e: _Error) -> Wording:
    limit = e.ctx.get("max_length")
    return (
        f"{e.name} is {len(e.value)} characters long; the limit is {limit}: shorten it",
        f"at most {limit} characters",
        (),
    )


def _empty_text(e: _Error) -> Wording:
    return f"{e.name} is empty; write some text", "some text", ()


def _item_count(e: _Error) -> Wording:
    short = e.raw["type"] == "too_short"
    bound = e.ctx.get("min_length" if short else "max_length")
    count = len(e.value) if isinstance(e.value, (list, dict)) else e.ctx.get("actual_length", "?")
    if short and isinstance(count, int) and count >= bound:
        return (
            None  # pydantic counts only the items that validated; those items have their own errors
        )
    words = "needs at least" if short else "may have at most"
    plural = "s" * (bound != 1)
    return (
        f"{e.name} {words} {bound} item{plural}; found {count}",
        f"{'at least' if short else 'at most'} {bound} item{plural}",
        (),
    )


def _not_text(e: _Error) -> Wording:
    quote = "; put it in quotes" if isinstance(e.value, (int, float, bool)) else ""
    return f"{e.name} should be text; found {e.found}{quote}", "text", ()


def _not_whole_number(e: _Error) -> Wording:
    return f"{e.name} should be a whole number; found {e.found}", "a whole number", ()


_BOUND_WORDS = {
    "greater_than_equal": "at least",
    "less_than_equal": "at most",
    "greater_than": "more than",
    "less_than": "less than",
}


def _out_of_range(e: _Error) -> Wording:
    words = _BOUND_WORDS[e.raw["type"]]
    bound = next(iter(e.ctx.values()), "?")
    return f"{e.name} must be {words} {bound}; found {e.value}", f"{words} {bound}", ()


def _not_a_list(e: _Error) -> Wording:
    return (
        f"{e.name} should be a list (write [a, b], or one '- item' per line); found {e.found}",
        "a list",
        (),
    )


def _not_a_mapping(e: _Error) -> Wording:
    return (
        f"{e.name} should be a mapping of fields (indented `key: value` lines); found {e.found}",
        "a mapping",
        (),
    )


def _rule_broken(e: _Error) -> Wording:
    return str(e.raw["msg"]).removeprefix("Value error, "), None, ()


# pydantic's error type -> the plain-English wording; anything else gets pydantic's own words.
WORDING: dict[str, Callable[[_Error], Wording]] = {
    "missing": _missing,
    "extra_forbidden": _unknown_field,
    "invalid_key": _unknown_field,  # a key that is not text, such as `2:`
    "literal_error": _not_allowed,
    "string_pattern_mismatch": _pattern,
    "string_too_long": _too_long_text,
    "string_too_short": _empty_text,
    "too_short": _item_count,
    "too_long": _item_count,
    "string_type": _not_text,
    **dict.fromkeys(
        ("int_type", "int_parsing", "int_from_float", "int_parsing_size"), _not_whole_number
    ),
    **dict.fromkeys(_BOUND_WORDS, _out_of_range),
    "tuple_type": _not_a_list,
    "list_type": _not_a_list,
    **dict.fromkeys(("model_type", "model_attributes_type", "dict_type"), _not_a_mapping),
    "value_error": _rule_broken,
}


def explain(model: type[BaseModel], error: dict) -> checks.Finding | None:
    """One pydantic error as a `Finding` in plain English (None when other errors already say it)."""
    loc = tuple(error["loc"])
    is_key = bool(loc) and loc[-1] == "[key]"
    path = loc[:-1] if is_key else loc
    names = [part for part in path if isinstance(part, str)]
    name = names[-1] if names else "the file"
    if path and isinstance(path[-1], int):
        name = f"each item of '{name}'" if not is_key else f"each key of '{name}'"
    else:
        name = f"'{name}'"
    kind, value = error["type"], error.get("input")
    found = None if kind == "missing" else _describe(value)
    read = _Error(model, loc, path, name, error.get("ctx") or {}, value, found, error)
    wording = WORDING.get(kind, lambda e: (f"{e.name}: {error['msg']}; found {e.found}", None, ()))(
        read
    )
    if wording is None:
        return None
    message, expected, choices = wording
    return checks.Finding(path, message, found, expected, choices)
