"""Teachability checks: is a valid scenario one a workshop can learn from?

Validation (`facilitation.content.library`) says whether a file follows the contract; the lint says whether the
scenario does the job of an EASI workshop (`shared/design/domain.md`):

- **jigsaw**: no agency alone, and no pair of agencies, holds enough for the lead role to act; all of them
  together do, and would have done had guidance been followed;
- **escalation**: the whole picture builds up over the stages, never falls;
- **both-failures**: over-sharing (`avoid`) and over-caution are both possible, and consent is a real
  question for some facts and not for others;
- **every-role**: each agency in play holds something the lead role needs;
- **debrief**: every fact's guidance says why, with substance, and names a gateway when it shares;
- **narrative-leak**: no narrative (read to every role) repeats the details of a fact that guidance says
  some role must not be given (`avoid`), which would hand that role the over-share;
- **precise-gateway**: guidance does not cite a gateway id that the reference data marks as too broad
  (its `prefer` list, such as the single `consent`), and says which ids to use instead.
- **guidance-room**: a room that does exactly what guidance says (`analysis.guidance_room`) gets a clean
  debrief; where it does not, the scenario's data contradict themselves, and the warning names the fact.

Every check is a pure function of a `Snapshot` returning `LintWarning`s; each warning names the place by a
breadcrumb (`stages[monday].facts[bruise].guidance.why`) that `library.locate` turns into a line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations, pairwise

from facilitation.analysis.guidance_room import room_problems
from facilitation.content import Fact, Snapshot, reference
from facilitation.play import act_stages, level_for, whole_picture

__all__ = [
    "CHECKS",
    "MIN_AVOID_FACTS",
    "MIN_CONSENT_FACTS",
    "MIN_RISES",
    "MIN_WHY_WORDS",
    "LintWarning",
    "check_both_failures",
    "check_debrief",
    "check_escalation",
    "check_every_role",
    "check_guidance_room",
    "check_jigsaw",
    "check_narrative_leaks",
    "check_precise_gateways",
    "lint",
]

MIN_RISES = 2  # a picture that rises once is a single reveal, not a case building up
MIN_AVOID_FACTS = (
    3  # enough facts with an over-sharing trap that the debrief can name over-openness
)
MIN_CONSENT_FACTS = (
    2  # enough facts where consent is a live question to set beside those where it is not
)
MIN_WHY_WORDS = 8  # shorter than this, a `why` cannot carry a reason the debrief can read out
LEAK_RUN_WORDS = (
    4  # a run of this many words shared by a fact and a narrative repeats the fact's detail
)
# Words too common to make a shared run a repeated detail on their own.
_COMMON = frozenset(
    "a an and are as at be but by for from had has have he her his i in is it its of on or she so that "
    "the their them they this to was were with you your".split()
)
# Words a draft leaves behind; a bare "..." is caught by the word count instead.
_PLACEHOLDER = re.compile(r"\b(todo|tbc|tbd|fixme|xxx|lorem ipsum)\b", re.IGNORECASE)


@dataclass(frozen=True)
class LintWarning:
    """One teachability problem: the check that found it, where (a breadcrumb), and what to do."""

    check: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.check}: {self.message}"


# ------------------------------------------------------------------------------------------- helpers


def _fact_places(snapshot: Snapshot) -> Iterator[tuple[str, Fact]]:
    """(breadcrumb, fact) for every fact, in stage order."""
    for stage in snapshot.scenario.stages:
        for fact in stage.facts:
            yield f"stages[{stage.id}].facts[{fact.id}]", fact


def _role_path(snapshot: Snapshot, role_id: str) -> str:
    """Breadcrumb of a role's entry in the scenario's `roles` list."""
    return f"roles[{snapshot.scenario.roles.index(role_id)}]"


def _own_weights(snapshot: Snapshot) -> dict[str, int]:
    """Total weight of the facts each role in play holds itself, over all stages."""
    weights = dict.fromkeys(snapshot.role_ids, 0)
    for fact in snapshot.scenario.facts:
        weights[fact.held_by] = weights.get(fact.held_by, 0) + fact.weight
    return weights


def _lead_level(snapshot: Snapshot) -> tuple[str, int]:
    """The lead role and the level of need at which it acts."""
    lead = snapshot.scenario.lead_role
    return lead, snapshot.roles[lead].threshold.acts_at


def _count(number: int, noun: str) -> str:
    """`1 fact`, `3 facts`."""
    return f"{number} {noun}{'s' * (number != 1)}"


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


# -------------------------------------------------------------------------------------------- checks


def check_jigsaw(snapshot: Snapshot) -> list[LintWarning]:
    """The lead can act only on pieces from three agencies or more, and could, had guidance been followed.

    No role's own facts (all stages) reach the lead's `acts_at` level; no pair of roles' facts together
    does; the whole picture at the last stage does; and the lead's picture reaches it when every holder
    shares as guidance says.
    """
    scenario = snapshot.scenario
    lead, acts_at = _lead_level(snapshot)
    levels = scenario.levels
    weights = _own_weights(snapshot)
    warnings: list[LintWarning] = []
    alone = [role for role, weight in weights.items() if level_for(weight, levels) >= acts_at]
    for role in alone:
        warnings.append(
            LintWarning(
                "jigsaw",
                _role_path(snapshot, role),
                (
                    f"{role}'s own facts (weight {weights[role]}) reach level {acts_at}, where {lead} acts, with no "
                    f"other agency's piece; lower its weights or raise `levels` so that it takes three agencies"
                ),
            )
        )
    pairs = [
        (weights[a] + weights[b], a, b)
        for a, b in combinations([role for role in weights if role not in alone], 2)
        if level_for(weights[a] + weights[b], levels) >= acts_at
    ]
    if pairs:
        weight, a, b = max(pairs)
        more = (
            f" (and {len(pairs) - 1} other pair{'s' * (len(pairs) != 2)})" if len(pairs) > 1 else ""
        )
        warnings.append(
            LintWarning(
                "jigsaw",
                "levels",
                (
                    f"{a} and {b} together (weight {weight}) reach level {acts_at}, where {lead} acts{more}; it should "
                    f"take facts from at least three agencies: raise `levels` or spread the weight"
                ),
            )
        )
    last = len(scenario.stages) - 1
    whole = whole_picture(snapshot, last)
    if whole.level < acts_at:
        warnings.append(
            LintWarning(
                "jigsaw",
                "levels",
                (
                    f"the whole picture (weight {whole.weight}) reaches only level {whole.level}, so {lead} could never "
                    f"act (it acts at level {acts_at}); raise weights or lower `levels`"
                ),
            )
        )
    elif act_stages(snapshot, (), -1).possible is None:
        warnings.append(
            LintWarning(
                "jigsaw",
                "lead_role",
                (
                    f"even had guidance been followed, {lead} would never hold enough to act (level {acts_at}): add "
                    f"{lead} to the `share_with` of more facts"
                ),
            )
        )
    return warnings


def check_escalation(snapshot: Snapshot) -> list[LintWarning]:
    """The whole picture's level never falls from one stage to the next and rises at least `MIN_RISES` times."""
    stages = snapshot.scenario.stages
    levels = [whole_picture(snapshot, index).level for index in range(len(stages))]
    warnings = [
        LintWarning(
            "escalation",
            f"stages[{stages[index].id}]",
            (
                f"the whole picture falls from level {levels[index - 1]} to {levels[index]} at this stage; "
                f"a case should build up, not ease off"
            ),
        )
        for index in range(1, len(levels))
        if levels[index] < levels[index - 1]
    ]
    rises = sum(1 for before, after in pairwise(levels) if after > before)
    if rises < MIN_RISES:
        trail = " -> ".join(map(str, levels))
        warnings.append(
            LintWarning(
                "escalation",
                "stages",
                (
                    f"the whole picture's level rises {_count(rises, 'time')} across the stages ({trail}); "
                    f"it should rise at least {MIN_RISES} times so that each reveal changes the picture: adjust the "
                    f"weights or `levels`"
                ),
            )
        )
    return warnings


def check_both_failures(snapshot: Snapshot) -> list[LintWarning]:
    """Over-sharing and over-caution are both possible: facts with `avoid`, and consent that varies."""
    facts = snapshot.scenario.facts
    avoided = sum(1 for fact in facts if fact.guidance.avoid)
    consent_live = sum(
        1 for fact in facts if fact.guidance.consent in ("seek_unless_unsafe", "required")
    )
    consent_not_needed = sum(1 for fact in facts if fact.guidance.consent == "not_required")
    warnings = []
    if avoided < MIN_AVOID_FACTS:
        warnings.append(
            LintWarning(
                "both-failures",
                "stages",
                (
                    f"{_count(avoided, 'fact')} {'names' if avoided == 1 else 'name'} roles to `avoid`; at least "
                    f"{MIN_AVOID_FACTS} should, so that over-sharing is a failure participants can make"
                ),
            )
        )
    if consent_live < MIN_CONSENT_FACTS:
        warnings.append(
            LintWarning(
                "both-failures",
                "stages",
                (
                    f"{_count(consent_live, 'fact')} {'asks' if consent_live == 1 else 'ask'} for consent "
                    f"(seek_unless_unsafe or required); at least {MIN_CONSENT_FACTS} should, beside facts where it is "
                    f"not_required"
                ),
            )
        )
    if not consent_not_needed:
        warnings.append(
            LintWarning(
                "both-failures",
                "stages",
                (
                    "no fact has consent not_required; at least one should, so that participants meet a fact they "
                    "must share without asking"
                ),
            )
        )
    return warnings


def check_every_role(snapshot: Snapshot) -> list[LintWarning]:
    """Each role in play, other than the lead, holds a fact that guidance says the lead role should get."""
    lead = snapshot.scenario.lead_role
    needed_from = {
        fact.held_by for fact in snapshot.scenario.facts if lead in fact.guidance.share_with
    }
    return [
        LintWarning(
            "every-role",
            _role_path(snapshot, role),
            (
                f"{role} holds no fact that {lead} needs (none shares with {lead}); give it one, or take it out "
                f"of play"
            ),
        )
        for role in snapshot.role_ids
        if role != lead and role not in needed_from
    ]


def check_debrief(snapshot: Snapshot) -> list[LintWarning]:
    """Every fact's guidance gives a `why` of substance, and a gateway when it shares with anyone."""
    warnings = []
    for path, fact in _fact_places(snapshot):
        guidance = fact.guidance
        if _words(guidance.why) < MIN_WHY_WORDS or _PLACEHOLDER.search(guidance.why):
            warnings.append(
                LintWarning(
                    "debrief",
                    f"{path}.guidance.why",
                    (
                        f"the `why` of '{fact.id}' is a stub; give the reasoning the debrief will read out "
                        f"(at least {MIN_WHY_WORDS} words, no placeholders)"
                    ),
                )
            )
        if any(not guidance.gateways_for(r) for r in guidance.recipients):
            warnings.append(
                LintWarning(
                    "debrief",
                    f"{path}.guidance",
                    (
                        f"'{fact.id}' should be shared with {', '.join(guidance.share_with)} but cites no `gateway`; "
                        f"name the lawful basis the debrief will teach"
                    ),
                )
            )
    return warnings


def _shared_run(fact_text: str, narrative: str) -> str | None:
    """The first run of `LEAK_RUN_WORDS` words (two or more of them uncommon) found in both texts."""
    fact_words = re.findall(r"\w+", fact_text.lower())
    said = " " + " ".join(re.findall(r"\w+", narrative.lower())) + " "
    for start in range(len(fact_words) - LEAK_RUN_WORDS + 1):
        run = fact_words[start : start + LEAK_RUN_WORDS]
        if sum(word not in _COMMON for word in run) >= 2 and f" {' '.join(run)} " in said:
            return " ".join(run)
    return None


def check_narrative_leaks(snapshot: Snapshot) -> list[LintWarning]:
    """No stage narrative repeats the wording of a fact whose guidance lists roles to `avoid`.

    A narrative is read to every role, so a fact's detail in it reaches the very roles guidance says
    must not have it, and flattens the jigsaw: move the detail into the fact, a prompt or `what_happened`.
    """
    warnings: list[LintWarning] = []
    for _, fact in _fact_places(snapshot):
        if not fact.guidance.avoid:
            continue
        for stage in snapshot.scenario.stages:
            run = _shared_run(fact.text, stage.narrative)
            if run:
                warnings.append(
                    LintWarning(
                        "narrative-leak",
                        f"stages[{stage.id}].narrative",
                        (
                            f"the narrative repeats '{run}' from '{fact.id}', which guidance keeps from "
                            f"{', '.join(fact.guidance.avoid)}; a narrative reaches every role, so move the "
                            f"detail into the fact, a facilitator prompt or the debrief's what_happened"
                        ),
                    )
                )
    return warnings


def check_precise_gateways(snapshot: Snapshot) -> list[LintWarning]:
    """Guidance cites no gateway whose reference entry prefers more precise ids (the single `consent`)."""
    gateways = reference().gateways
    warnings: list[LintWarning] = []
    for path, fact in _fact_places(snapshot):
        guidance = fact.guidance
        cited = dict.fromkeys(
            [
                *guidance.all_gateways,
                *(g for r in guidance.recipients for g in guidance.gateways_for(r)),
            ]
        )
        for gateway_id in cited:
            prefer = gateways[gateway_id].prefer if gateway_id in gateways else ()
            if prefer:
                warnings.append(
                    LintWarning(
                        "precise-gateway",
                        f"{path}.guidance",
                        (
                            f"'{fact.id}' cites '{gateway_id}' ({gateways[gateway_id].summary.split(';')[0]}); "
                            f"say which is meant: {' or '.join(prefer)}"
                        ),
                    )
                )
    return warnings


def check_guidance_room(snapshot: Snapshot) -> list[LintWarning]:
    """A room following guidance exactly must get a clean debrief; each problem names its fact."""
    places = {fact.id: path for path, fact in _fact_places(snapshot)}
    warnings = []
    for subject, problem in room_problems(snapshot):
        path = places.get(subject) or (
            _role_path(snapshot, subject) if subject in snapshot.scenario.roles else "stages"
        )
        warnings.append(
            LintWarning(
                "guidance-room",
                path,
                f"following guidance exactly, {problem}: the scenario's guidance contradicts itself "
                "here; make the fact's guidance (share_with, avoid, gateways, reasons, routes, "
                "tell_family, meets_level) agree",
            )
        )
    return warnings


CHECKS: dict[str, Callable[[Snapshot], list[LintWarning]]] = {
    "jigsaw": check_jigsaw,
    "escalation": check_escalation,
    "both-failures": check_both_failures,
    "every-role": check_every_role,
    "debrief": check_debrief,
    "narrative-leak": check_narrative_leaks,
    "precise-gateway": check_precise_gateways,
    "guidance-room": check_guidance_room,
}


def lint(snapshot: Snapshot) -> list[LintWarning]:
    """Every teachability warning for a loaded scenario, check by check (empty: the scenario passes)."""
    return [warning for check in CHECKS.values() for warning in check(snapshot)]
