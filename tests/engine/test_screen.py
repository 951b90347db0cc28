"""What the projector shows: chosen with the facilitator key, read with the projector's, reset when the
workshop moves on."""

from __future__ import annotations

import pytest

from facilitation.engine import Screen
from facilitation.errors import NotAllowed, WrongPhase


def test_a_new_workshop_shows_the_phase_s_first_view(room):
    assert room.engine.projector_view(room.code, room.projector_key).screen == Screen()


def test_the_facilitator_s_choice_reaches_the_projector(room):
    room.join("school")
    room.go("open_stage", "reveal_stage")
    before = room.engine.versions(room.code)
    chosen = room.engine.set_screen(room.code, room.key, view="Who shared with whom", stage=0)
    assert chosen == Screen("Who shared with whom", 0)
    assert room.engine.projector_view(room.code, room.projector_key).screen == chosen
    assert room.engine.facilitator_view(room.code, room.key).screen == chosen
    after = room.engine.versions(room.code)
    assert after.any > before.any  # the projector's poll sees it
    assert after.phase == before.phase  # laptops do not redraw for it


def test_only_the_facilitator_key_chooses(room):
    with pytest.raises(NotAllowed):
        room.engine.set_screen(room.code, room.projector_key, view="Prompts")


def test_an_unrevealed_stage_cannot_be_shown(room):
    room.go("open_stage")
    with pytest.raises(WrongPhase):
        room.engine.set_screen(room.code, room.key, view="Who knew what", stage=0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"view": "x" * 41},
        {"view": 3},
        {"stage": "1"},
    ],
)
def test_a_malformed_choice_is_refused(room, kwargs):
    with pytest.raises(ValueError):
        room.engine.set_screen(room.code, room.key, **kwargs)
    assert room.engine.projector_view(room.code, room.projector_key).screen == Screen()


def test_moving_on_starts_from_the_new_phase_s_first_view(room):
    room.join("school")
    room.go("open_stage", "reveal_stage")
    room.engine.set_screen(room.code, room.key, view="Prompts", stage=0)
    room.go("next_stage")
    assert room.engine.projector_view(room.code, room.projector_key).screen == Screen()


def test_a_screen_stored_with_note_positions_still_reads(room):
    """Earlier versions stored `notes` (positions that chose nothing) beside the view: still readable."""
    room.join("school")
    room.go("open_stage", "reveal_stage")
    with room.engine.store.write() as db:
        db.execute(
            "UPDATE workshops SET screen_json = ? WHERE code = ?",
            ('{"view": "Prompts", "stage": 0, "notes": [2, 0]}', room.code),
        )
    assert room.engine.projector_view(room.code, room.projector_key).screen == Screen("Prompts", 0)
    with pytest.raises(TypeError):
        room.engine.set_screen(room.code, room.key, view="Prompts", notes=(0,))
