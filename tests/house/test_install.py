"""A reproducible install (finding 9 of the hardening issue): every dependency bounded below its next
major version, and `constraints.txt` pinning a tested set that satisfies them, used by the README's
commands and CI."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.paths import PROJECT

PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
DECLARED = [
    Requirement(text)
    for text in [
        *PYPROJECT["project"]["dependencies"],
        *PYPROJECT["project"]["optional-dependencies"]["test"],
    ]
]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (PROJECT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==(\S+)", line).groups()
            pins[canonicalize_name(name.split("[")[0])] = version
    return pins


def test_every_dependency_has_an_upper_bound():
    unbounded = [
        str(r)
        for r in DECLARED
        if not any(spec.operator in ("<", "<=", "~=", "==") for spec in r.specifier)
    ]
    assert unbounded == []


def test_constraints_pin_every_dependency_within_its_bounds():
    pins = _pins()
    for requirement in DECLARED:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside {requirement.specifier}"
        )


def test_the_header_says_how_to_regenerate_it():
    header = (PROJECT / "constraints.txt").read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "pip freeze" in header and "python3 -m venv" in header


def test_the_readme_and_ci_install_with_the_constraints():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert 'pip install -c constraints.txt -e ".[test]"' in readme
    run = (PROJECT / "run.sh").read_text(encoding="utf-8")
    assert re.search(r"pip install .*-c constraints\.txt -e", run)
    assert "./run.sh test" in (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
