"""The rules of the house, held by tests: each layer's public door, no import cycles, every exception in
errors.py, every setting in the settings table and documented. (`lint-imports` checks the layer order.)"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from facilitation import settings
from tests.paths import PROJECT

PACKAGE = PROJECT / "facilitation"
LAYERS = ("content", "play", "engine", "analysis", "outputs", "ui", "cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every `from facilitation... import` and `import facilitation...`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("facilitation")
        ):
            found.append((node.lineno, node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name, []) for a in node.names if a.name.startswith("facilitation")
            ]
    return found


PRODUCT = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: str(p.relative_to(PROJECT)))
def test_other_layers_are_reached_only_through_their_door(path):
    """`from facilitation.engine import Workshops`, never `from facilitation.engine.workshops import`."""
    me = _layer_of(_module_name(path))
    wrong = []
    for line, module, names in _imports(path):
        layer = _layer_of(module)
        if layer is None or layer == me:
            continue
        door = importlib.import_module(f"facilitation.{layer}")
        if module != f"facilitation.{layer}":
            wrong.append(f"line {line}: {module} (import it from facilitation.{layer})")
        wrong += [
            f"line {line}: {name} is not in facilitation.{layer}.__all__"
            for name in names
            if name not in door.__all__
        ]
    assert not wrong, wrong


@pytest.mark.parametrize("layer", LAYERS[:5])
def test_every_door_exports_what_it_lists(layer):
    door = importlib.import_module(f"facilitation.{layer}")
    assert all(hasattr(door, name) for name in door.__all__)


def test_no_import_cycles_between_modules():
    graph: dict[str, set[str]] = {}
    for path in PRODUCT:
        name = _module_name(path)
        targets = set()
        for _, module, names in _imports(path):
            # `from facilitation.content import library` names a module; a door import names its package
            targets |= {
                f"{module}.{n}"
                for n in names
                if (PACKAGE.parent / f"{module}.{n}".replace(".", "/")).with_suffix(".py").exists()
            }
            targets.add(module)
        graph[name] = {t for t in targets if t != name and not name.startswith(t + ".")}
    # a package's door importing its own modules is not a cycle through them
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        trail.append(node)
        for target in graph.get(node, ()):
            if state.get(target) == 1:
                cycle = [*trail[trail.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target in graph and not state.get(target):
                visit(target)
        trail.pop()
        state[node] = 2

    for node in graph:
        if not state.get(node):
            visit(node)


def test_every_exception_class_is_defined_in_errors_py():
    outside = []
    for path in PRODUCT:
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id.endswith(("Error", "Exception", "Refused"))
                for base in node.bases
            ):
                outside.append(f"{path.relative_to(PROJECT)}: {node.name}")
    assert not outside, outside


def test_every_error_derives_from_the_one_base():
    from facilitation import errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.EasiError), name


def test_only_settings_reads_the_environment():
    readers = [
        str(path.relative_to(PROJECT))
        for path in PRODUCT
        if path.name != "settings.py"
        and ("os.environ" in (text := path.read_text()) or "getenv" in text)
    ]
    assert not readers


def test_every_environment_variable_named_in_the_code_is_in_the_table():
    import re

    named = set()
    for path in PRODUCT:
        named |= set(re.findall(r"\bEASI_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    assert named <= {s.name for s in settings.SETTINGS}, named - {s.name for s in settings.SETTINGS}


def test_the_settings_page_is_the_table():
    page = (PROJECT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert settings.settings_table() in page, (
        "regenerate docs/settings.md from settings.settings_table()"
    )
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert "docs/settings.md" in readme
