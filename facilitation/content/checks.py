"""The rules of the YAML contract that compare one part of a file with another, or with the library.

Each check takes plain data (what `yamlsource` read, or a model's `model_dump()`) and returns `Finding`s
that name the place by path: no files, no positions, no exceptions. The checks are tolerant of data that
is badly shaped (that is the models' job to report), so that a file with a structure error still gets its
cross-reference errors reported in the same run. `library` adds file, line and column; the Studio page
and the lint reuse them for pasted text.

The rules are numbered as in `shared/design/scenario-format.md`: (1) role ids exist and are in play,
(2) unique ids, (3) id equals the file name, (4) share_with and avoid are consistent, (5) barrier and
gateway ids exist, and a scenario's gateways are written for its audience.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from facilitation.content.models import SLUG_PATTERN
from facilitation.content.questionnaire import questionnaire
from facilitation.content.reference import reference

__all__ = [
    "Finding",
    "breadcrumb",
    "check_role",
    "check_scenario",
    "did_you_mean",
    "nearest",
]

Path = tuple[str | int, ...]
_SLUG = re.compile(SLUG_PATTERN)


@dataclass(frozen=True)
class Finding:
    """One broken rule at `path` (such as `("stages", 0, "facts", 1, "held_by")`), in plain English."""

    path: Path
    message: str
    found: str | None = None
    expected: str | None = None
    choices: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------- helpers


def nearest(word: str, choices: Collection[str]) -> str | None:
    """The choice closest to `word` (a likely typo), if any is close enough."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Collection[str]) -> str:
    """`"; did you mean 'x'?"` for a near miss, else an empty string."""
    match = nearest(word, choices)
    return f"; did you mean '{match}'?" if match else ""


def _suggest(head: str, word: str, choices: Collection[str], tail: str) -> str:
    """`head; did you mean 'x'? Tail` for a near miss among `choices`, else `head; tail`."""
    match = nearest(word, choices)
    return (
        f"{head}; did you mean '{match}'? {tail[:1].upper()}{tail[1:]}"
        if match
        else f"{head}; {tail}"
    )


def _listing(choices: Sequence[str]) -> str:
    return ", ".join(choices) if choices else "(none)"


def breadcrumb(data: Any, path: Path) -> str:
    """A readable path naming list items by their id: `stages[monday].facts[bruise].held_by`.

    An item is named by index (`stages[1]`) when it has no valid id, or when an earlier sibling has the
    same id (so that each breadcrumb leads to one place).
    """
    text = ""
    node = data
    for part in path:
        if isinstance(part, int) and isinstance(node, list):
            label = _item_label(node, part)
            text += f"[{label}]"
            node = node[part] if 0 <= part < len(node) else None
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text


def _item_label(items: list, index: int) -> str:
    item_id = _id_of(items[index]) if 0 <= index < len(items) else None
    if item_id is None or any(_id_of(other) == item_id for other in items[:index]):
        return str(index)
    return item_id


def _id_of(item: Any) -> str | None:
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, str) and _SLUG.match(value) else None


def _plain(data: Any) -> Any:
    return data.model_dump() if isinstance(data, BaseModel) else data


def _items(data: Any, key: str) -> Iterator[tuple[int, Any]]:
    """(index, item) for each item of the list at `data[key]`; nothing if it is not a list."""
    value = data.get(key) if isinstance(data, dict) else None
    return enumerate(value) if isinstance(value, (list, tuple)) else iter(())


def _strings(data: Any, key: str) -> Iterator[tuple[int, str]]:
    return ((index, item) for index, item in _items(data, key) if isinstance(item, str))


# ------------------------------------------------------------------------------------ shared rules


def _file_id(data: Any, file_id: str | None, kind: str) -> list[Finding]:
    """Rule 3: the id equals the file name."""
    found = data.get("id")
    if file_id is None or not isinstance(found, str) or found == file_id:
        return []
    return [
        Finding(
            ("id",),
            (
                f"id '{found}' does not match the file name '{file_id}.yaml'; a {kind}'s id must equal its file name: "
                f"change the id to '{file_id}' or rename the file to '{found}.yaml'"
            ),
            found=found,
            expected=file_id,
        )
    ]


def _unique_ids(
    data: Any, path: Path, items: Sequence[tuple[Path, Any]], what: str, scope: str
) -> list[Finding]:
    """Rule 2: each id once among `items` (given with their paths)."""
    seen: dict[str, Path] = {}
    findings = []
    for item_path, item in items:
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str):
            continue
        if item_id in seen:
            findings.append(
                Finding(
                    (*item_path, "id"),
                    (
                        f"{what} id '{item_id}' is used twice (first at {breadcrumb(data, seen[item_id])}); {what} ids must "
                        f"be unique {scope}: rename one"
                    ),
                    found=item_id,
                    expected=f"an id not used by another {what}",
                )
            )
        else:
            seen[item_id] = item_path
    return findings


def _reference_id(path: Path, value: str, valid: Sequence[str], what: str) -> list[Finding]:
    """Rule 5: a barrier or gateway id from the reference data."""
    if value in valid:
        return []
    message = _suggest(
        f"unknown {what} '{value}'", value, valid, f"valid {what}s: {_listing(valid)}"
    )
    return [Finding(path, message, found=value, expected=f"a {what} id", choices=tuple(valid))]


# ---------------------------------------------------------------------------------------------- roles


def check_role(data: Mapping | BaseModel, *, file_id: str | None = None) -> list[Finding]:
    """Every cross-reference problem in a role: rules 2, 3 and 5.

    `file_id` is the file name without `.yaml` (None for pasted text with no name).
    """
    data = _plain(data)
    if not isinstance(data, dict):
        return []
    barriers, gateways = list(reference().barriers), list(reference().gateways)
    findings = _file_id(data, file_id, "role")
    for key, what in (("motivators", "motivator"), ("constraints", "constraint")):
        items = [((key, index), item) for index, item in _items(data, key)]
        findings += _unique_ids(data, (key,), items, what, "within a role")
    for index, constraint in _items(data, "constraints"):
        barrier = constraint.get("barrier") if isinstance(constraint, dict) else None
        if isinstance(barrier, str):
            findings += _reference_id(
                ("constraints", index, "barrier"), barrier, barriers, "barrier"
            )
    for index, gateway in _strings(data, "gateways"):
        findings += _reference_id(("gateways", index), gateway, gateways, "gateway")
    return findings


# ------------------------------------------------------------------------------------------ scenarios


@dataclass(frozen=True)
class _Cast:
    """The roles a scenario may name: those in play, those in the library, and broken files."""

    in_play: tuple[str, ...]
    known: Collection[str]
    broken: Collection[str]

    def check(self, path: Path, value: str, field: str) -> list[Finding]:
        """Rule 1 for one role id used in `field`."""
        if value in self.in_play:
            return []  # an unknown role in play is reported once, where `roles` lists it
        choices = tuple(role for role in self.in_play if role in self.known or role in self.broken)
        listing = f"roles in play: {_listing(choices)}"
        if value in self.known or value in self.broken:
            message = (
                f"role '{value}' is used in {field} but is not in play; add it to `roles` or use one of "
                f"the {listing}"
            )
        else:
            message = _suggest(
                f"unknown role '{value}' in {field}", value, choices, f"use one of the {listing}"
            )
        return [Finding(path, message, found=value, expected="a role in `roles`", choices=choices)]


def check_scenario(
    data: Mapping | BaseModel,
    *,
    known_roles: Collection[str],
    broken_roles: Collection[str] = (),
    file_id: str | None = None,
) -> list[Finding]:
    """Every cross-reference problem in a scenario: rules 1 to 5.

    `known_roles` are the ids of the valid roles in the library; `broken_roles` those whose file exists but
    does not load (a scenario naming one is told to fix that file, not that the role is unknown).
    """
    data = _plain(data)
    if not isinstance(data, dict):
        return []
    in_play = tuple(dict.fromkeys(role for _, role in _strings(data, "roles")))
    # Roles the scenario may use are checked only when `roles` is a list: else the model's error suffices.
    cast = (
        _Cast(in_play, known_roles, broken_roles) if isinstance(data.get("roles"), list) else None
    )
    findings = _file_id(data, file_id, "scenario") + (_roles_list(data, cast) if cast else [])
    lead = data.get("lead_role")
    if isinstance(lead, str) and cast:
        findings += cast.check(("lead_role",), lead, "lead_role")
    stages = [(("stages", index), stage) for index, stage in _items(data, "stages")]
    facts = [
        ((*path, "facts", index), fact)
        for path, stage in stages
        for index, fact in _items(stage, "facts")
    ]
    for path, stage in stages:
        lead_of_stage = stage.get("lead") if isinstance(stage, dict) else None
        for field in ("role", "decides") if isinstance(lead_of_stage, dict) and cast else ():
            if isinstance(lead_of_stage.get(field), str):
                findings += cast.check(
                    (*path, "lead", field), lead_of_stage[field], f"lead.{field}"
                )
    findings += _unique_ids(data, ("stages",), stages, "stage", "in a scenario")
    findings += _unique_ids(data, ("stages",), facts, "fact", "across the whole scenario")
    audience = data.get("audience")
    for path, fact in facts:
        if isinstance(fact, dict):
            findings += _fact(path, fact, cast)
            findings += _gateways_for_audience(path, fact, audience)
    findings += _evaluation_items(data)
    if stages and all(isinstance(stage, dict) for _, stage in stages) and not facts:
        findings.append(
            Finding(
                ("stages",),
                "the scenario has no facts; add at least one fact to a stage",
                found="0 facts",
                expected="at least one fact",
            )
        )
    return findings


def _evaluation_items(data: dict) -> list[Finding]:
    """A scenario's own questionnaire items: ids new to the whole questionnaire, barriers that exist."""
    extra = data.get("evaluation_items")
    if not isinstance(extra, dict):
        return []
    form = questionnaire()
    shipped = [(("questionnaire",), {"id": i.id}) for i in (*form.confidence, *form.knowledge)]
    items = [
        (("evaluation_items", key, index), item)
        for key in ("confidence", "knowledge")
        for index, item in _items(extra, key)
    ]
    findings = [
        finding
        for finding in _unique_ids(
            data, ("evaluation_items",), [*shipped, *items], "item", "in the questionnaire"
        )
        if finding.path[0] == "evaluation_items"
    ]
    barriers = list(reference().barriers)
    for path, item in items:
        barrier = item.get("barrier") if isinstance(item, dict) else None
        if isinstance(barrier, str):
            findings += _reference_id((*path, "barrier"), barrier, barriers, "barrier")
    return findings


def _roles_list(data: dict, cast: _Cast) -> list[Finding]:
    """Rules 1 and 2 for `roles`: each listed once, each a role file that loads."""
    findings = []
    seen: dict[str, int] = {}
    known = sorted(cast.known)
    for index, role in _strings(data, "roles"):
        path = ("roles", index)
        if role in seen:
            findings.append(
                Finding(
                    path,
                    f"role '{role}' is listed twice in roles (first as roles[{seen[role]}]); "
                    "list each role once",
                    found=role,
                    expected="each role once",
                )
            )
            continue
        seen[role] = index
        if role in cast.broken:
            findings.append(
                Finding(
                    path,
                    f"role '{role}' has errors in its file roles/{role}.yaml; fix that file "
                    "first (run `easi validate` on it)",
                    found=role,
                    expected="a role file that loads",
                )
            )
        elif role not in cast.known:
            tail = (
                f"known roles: {_listing(known)}"
                if known
                else "the roles folder has no valid role (check --roles)"
            )
            message = _suggest(f"no role '{role}' in the roles folder", role, known, tail)
            findings.append(
                Finding(
                    path,
                    message,
                    found=role,
                    expected="the id of a file in roles/",
                    choices=tuple(known),
                )
            )
    return findings


def _gateways_for_audience(path: Path, fact: dict, audience: object) -> list[Finding]:
    """Rule 5 for a scenario's audience: every gateway a fact's guidance cites (`gateway`, `gateways`,
    or a `share_with` route's `gateways`) is written for that audience (Care Act s42 is not a basis for
    sharing about a child, nor Children Act s47 about an adult); a route that names its own `audience`
    (a concern about an adult in a children's case) is checked against that instead."""
    guidance = fact.get("guidance")
    gateways = reference().gateways
    audiences = {a for entry in gateways.values() for a in entry.audience}
    if not isinstance(guidance, dict) or audience not in audiences:
        return []  # an unknown audience is the model's to report
    here = (*path, "guidance")
    cited: list[tuple[Path, object, str]] = [
        ((*here, "gateway"), guidance.get("gateway"), audience)
    ]
    cited += [((*here, "gateways", i), g, audience) for i, g in _strings(guidance, "gateways")]
    routes = guidance.get("share_with")
    if isinstance(routes, dict):
        for recipient, route in routes.items():
            if isinstance(route, dict):
                where = (*here, "share_with", recipient)
                # A route made under another framework (an adult in a children's case) says so.
                own = route.get("audience")
                framework = own if own in audiences else audience
                cited += [
                    ((*where, "gateways", i), g, framework) for i, g in _strings(route, "gateways")
                ]
    findings = []
    for place, gateway, framework in cited:
        if not isinstance(gateway, str) or gateway not in gateways:
            continue  # absent, or unknown (reported by `_reference_id`)
        written_for = tuple(gateways[gateway].audience)
        if framework in written_for:
            continue
        fitting = [g for g, entry in gateways.items() if framework in entry.audience]
        whose = "this scenario's" if framework == audience else "this route's"
        findings.append(
            Finding(
                place,
                (
                    f"gateway '{gateway}' is written for {' and '.join(a.replace('_', ' ') for a in written_for)}, "
                    f"not for {whose} audience ({framework.replace('_', ' ')}); use one of: "
                    f"{_listing(fitting)}"
                ),
                found=gateway,
                expected=f"a gateway for {framework}",
                choices=tuple(fitting),
            )
        )
    return findings


def _role_keys(guidance: dict, key: str) -> Iterator[tuple[Path, str]]:
    """(path, role id) for each role named in a list, or as a key of a mapping (`share_with` routes)."""
    value = guidance.get(key)
    if isinstance(value, dict):
        return (((key, role), role) for role in value if isinstance(role, str))
    return (((key, index), role) for index, role in _strings(guidance, key))


def _fact(path: Path, fact: dict, cast: _Cast | None) -> list[Finding]:
    """Rules 1, 4 and 5 for one fact: who holds it, whom guidance names, and the gateways."""
    holder = fact.get("held_by")
    findings = (
        cast.check((*path, "held_by"), holder, "held_by")
        if isinstance(holder, str) and cast
        else []
    )
    guidance = fact.get("guidance")
    if not isinstance(guidance, dict):
        return findings
    here = (*path, "guidance")
    share_with = {role for _, role in _role_keys(guidance, "share_with")}
    for key in ("share_with", "avoid", "onward"):
        for key_path, role in _role_keys(guidance, key):
            item = (*here, *key_path)
            findings += cast.check(item, role, key) if cast else []
            if role == holder:
                findings.append(
                    Finding(
                        item,
                        (
                            f"'{role}' holds this fact (held_by), so it cannot be in {key}; remove it from {key}"
                        ),
                        found=role,
                        expected=f"a role other than '{role}'",
                    )
                )
            elif key == "avoid" and role in share_with:
                findings.append(
                    Finding(
                        item,
                        (
                            f"'{role}' is in both share_with and avoid; a role either should receive the fact or should "
                            "not: remove it from one of them"
                        ),
                        found=role,
                        expected="a role not in share_with",
                    )
                )
    findings += _fact_references(here, guidance)
    return findings


def _fact_references(here: Path, guidance: dict) -> list[Finding]:
    """Rule 5 for a fact's guidance: gateway, reason and barrier ids exist; one of gateway/gateways."""
    ref = reference()
    gateways = list(ref.gateways)
    findings = []
    gateway = guidance.get("gateway")
    if isinstance(gateway, str):
        findings += _reference_id((*here, "gateway"), gateway, gateways, "gateway")
        if guidance.get("gateways"):
            findings.append(
                Finding(
                    (*here, "gateways"),
                    "give either `gateway` (one id) or `gateways` (a list), not both; move "
                    f"'{gateway}' into the `gateways` list and remove `gateway`",
                    found="both gateway and gateways",
                    expected="one of gateway or gateways",
                )
            )
    for index, item in _strings(guidance, "gateways"):
        findings += _reference_id((*here, "gateways", index), item, gateways, "gateway")
    routes = guidance.get("share_with")
    for role, route in routes.items() if isinstance(routes, dict) else ():
        for index, item in _strings(route, "gateways"):
            findings += _reference_id(
                (*here, "share_with", role, "gateways", index), item, gateways, "gateway"
            )
    for index, item in _strings(guidance, "reasons"):
        findings += _reference_id((*here, "reasons", index), item, list(ref.reasons), "reason")
    for index, item in _strings(guidance, "myths"):
        findings += _reference_id((*here, "myths", index), item, list(ref.barriers), "barrier")
    return findings
