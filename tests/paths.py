"""Where the tests' data and the project live, for every test module whatever its folder."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
PROJECT = TESTS.parent
DATA = TESTS / "data"
MINI = DATA / "mini"
GOLDEN = TESTS / "golden"
