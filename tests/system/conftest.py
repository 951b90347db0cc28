"""This suite runs on each store backend: SQLite and PostgreSQL (tests/fixtures/backends.py)."""

from __future__ import annotations

import pytest

from tests.fixtures.backends import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Each store backend in turn."""
    return request.param
