"""Position-aware, safe YAML reading: what is read, where, and what is refused (with which message)."""

from __future__ import annotations

import pytest

from facilitation.content.yamlsource import MAX_BYTES, MAX_DEPTH, YamlRefused, read_yaml


def refusal(text: str | bytes) -> str:
    with pytest.raises(YamlRefused) as caught:
        read_yaml(text)
    return "\n".join(f"{flaw.line}:{flaw.column}: {flaw.message}" for flaw in caught.value.flaws)


def test_reads_plain_data_with_positions():
    source = read_yaml("id: x\nlevels: {2: 3, 3: 6}\nstages:\n  - id: a\n    title: T\n")
    assert source.data == {"id": "x", "levels": {2: 3, 3: 6}, "stages": [{"id": "a", "title": "T"}]}
    assert source.positions[("levels", 3)] == (2, 16)
    assert source.positions[("stages", 0)] == (4, 5)
    assert source.positions[("stages", 0, "title")] == (5, 5)


@pytest.mark.parametrize(
    "path, expected",
    [
        (("stages", 0, "title"), (5, 5)),
        (("stages", 0, "missing"), (4, 5)),  # a missing key: its mapping
        (("stages", 7), (3, 1)),
        (("nothing", "here"), (1, 1)),
    ],
)
def test_locate_falls_back_to_nearest_ancestor(path, expected):
    assert (
        read_yaml("id: x\nlevels: {2: 3}\nstages:\n  - id: a\n    title: T\n").locate(path)
        == expected
    )


@pytest.mark.parametrize(
    "text, value",
    [
        ("a: 2024-01-01", "2024-01-01"),  # dates stay text: no field holds a date
        ("a: '3'", "3"),
        ("a: !!str 3", "3"),
        ("a: 3", 3),
        ("a: yes", True),
        ("a: ~", None),
        ("a: " + "9" * 5000, "9" * 5000),  # too long for int(): kept as text, refused by the models
        ("\ufeffa: 1", 1),
    ],
)
def test_scalars(text, value):
    assert read_yaml(text).data["a"] == value


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "1:1: the file is empty"),
        ("   \n\n", "1:1: the file is empty"),
        ("# only\n# comments\n", "1:1: the file holds only comments"),
        ("---\n# nothing\n", "1:1: the file holds only comments"),
        ("- a\n- b\n", "1:1: the top level of the file is a list"),
        ("just text\n", "1:1: the top level of the file is a single value ('just text')"),
        ("a:\n\tb: 1\n", "2:1: tab used for indentation on line 2"),
        ("a: 1\nb: 2\na: 3\n", "3:1: duplicate key 'a': first on line 1, again on line 3"),
        ("a: &x 1\nb: *x\n", "1:4: anchor '&x' found: anchors (&) and aliases (*) are not allowed"),
        (
            "a: !!python/object/apply:os.system ['echo hi']\n",
            "1:4: the tag '!!python/object/apply:os.system' is not allowed",
        ),
        ("a: !!binary aGVsbG8=\n", "1:4: the tag '!!binary' is not allowed"),
        ("a: !custom x\n", "1:4: the tag '!custom' is not allowed"),
        ("<<: {a: 1}\n", "the tag '!!merge' is not allowed"),
        ("? [a]\n: 1\n", "1:3: a key must be a plain word"),
        (
            "a: b: c\n",
            "1:5: YAML syntax error (mapping values are not allowed in this context): a ': ' appears",
        ),
        ("a: 'open\nb: 1\n", "never closed (the construct starts on line 1)"),
        ("a: [1, 2\n", "YAML syntax error"),
        ("a: @x\n", "put the value in quotes"),
        ("a: 1\n---\nb: 2\n", "2:1: the file holds more than one YAML document"),
        (
            "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5),
            f"nested more than {MAX_DEPTH} levels deep",
        ),
        ("a: b\x00c\n", "1:5: control character U+0000 on line 1: the file looks binary"),
        (b"a: 1\nb: caf\xe9\n", "2:7: this is not UTF-8 text (byte 0xe9 on line 2)"),
        (b"\xff\xfea\x00:\x00", "1:1: this is not UTF-8 text"),
    ],
)
def test_refusals(text, expected):
    assert expected in refusal(text)


def test_every_duplicate_key_is_reported():
    assert refusal("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n").count("duplicate key") == 2


def test_lenient_keeps_first_value_of_a_duplicate_key():
    source = read_yaml("a: 1\na: 2\n", lenient=True)
    assert source.data == {"a": 1}
    assert "duplicate key 'a'" in source.flaws[0].message


def test_python_tags_are_never_constructed(tmp_path):
    marker = tmp_path / "ran"
    refusal(
        f"a: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]\n"
    )
    assert not marker.exists()


@pytest.mark.parametrize(
    "make, expected",
    [
        (
            lambda: (
                "a: &a [x, x, x, x, x, x, x, x, x]\n"
                + "".join(
                    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
                    for i in range(9)
                )
            ),
            "anchors (&) and aliases (*) are not allowed",
        ),
        (lambda: "a: " + "x" * (MAX_BYTES + 1), "the limit is 1,048,576"),
        (lambda: ("a: " + "x" * (MAX_BYTES + 1)).encode(), "the limit is 1,048,576"),
        (lambda: "a: " + "[" * 200_000 + "]" * 200_000, "nested more than"),
        (lambda: "a:\n" + "  - x\n" * 15_000, None),  # big but fine
        (lambda: "a:\n" + "  - x\n" * 150_000, "more than 20,000 values"),
        (lambda: "\n" * 900_000 + "\t- a", "tab used for indentation on line 900001"),
        (
            lambda: "a:\n" + "\t- x\n" * 200_000,
            "199,980 more lines indented with tabs from line 22",
        ),
    ],
)
def test_hostile_input_is_refused(make, expected):
    """Each is refused with its own message (how quickly: `benchmarks/bench_validate.py --hostile`)."""
    text = make()
    if expected is None:
        assert read_yaml(text).data["a"]
    else:
        assert expected in refusal(text)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 999, 1_001, 200_000])
@pytest.mark.parametrize("opener, closer", [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_is_refused_in_our_words_whichever_parser_stops_first(depth, opener, closer):
    """libyaml 0.2.5 as bundled with PyYAML >= 6.0.4 stops at 1,000 levels itself; the message is ours."""
    message = refusal("a: " + opener * depth + closer * depth)
    assert f"nested more than {MAX_DEPTH} levels deep" in message
    assert "maximum nesting depth" not in message
