from __future__ import annotations

from datetime import date
from pathlib import Path
from types import MappingProxyType

import pytest
from bot_fakes import make_farm

from farm.bot.facts import RecipeFacts, facts_graph, read_facts
from farm.bot.migration import (
    Change,
    MigrationError,
    check_migration,
    draft_migration,
    effective_pins,
    load_migration,
    load_migrations,
    retired_ids,
)
from farm.catalog import Catalog
from farm.pins import load_pins
from farm.platforms import parse

LINUX = parse("linux-x86_64")


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def facts_of(root: Path) -> dict[str, RecipeFacts]:
    pins = load_pins(root / "recipes" / "pins.yaml")
    return read_facts(Catalog(root / "recipes", pins, LINUX).documents, pins, LINUX)


def test_a_misspelt_key_is_an_error_at_its_line_with_a_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, "zlib-1.3.1.yaml", "schema_version: 1\nsummary: s\npins:\n  zlib: '1.3.1'\nbuild_number: 2\n")
    with pytest.raises(MigrationError) as err:
        load_migration(path)
    assert str(err.value).startswith(f"{path}:5:1: unknown key 'build_number'; did you mean 'bump_number'?")


def test_every_problem_is_collected(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "schema_version: 1\nsummary: s\npaused: maybe\npr_limit: 0\nid: other\n")
    with pytest.raises(MigrationError) as err:
        load_migration(path)
    text = "\n".join(err.value.problems)
    assert f"{path}:3:9: expected true or false" in text
    assert f"{path}:4:11: expected a number >= 1" in text
    assert "id 'other' differs from the file name 'x'" in text
    assert "a migration changes something" in text
    assert "and 3 more" in str(err.value)


def test_a_pin_must_be_a_version(tmp_path: Path) -> None:
    path = write(tmp_path, "z.yaml", "schema_version: 1\nsummary: s\npins:\n  zlib: latest\n")
    with pytest.raises(MigrationError, match=r"z.yaml:4:9: pin zlib: 'latest' is not a version"):
        load_migration(path)


def test_loading_keeps_values_and_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "tc.yaml", """schema_version: 1
summary: GCC 13
created: 2026-02-01
toolchain: {c_compiler_version: 13}
platforms:
  linux-x86_64: {policy: manylinux_2_28}
variants: {cuda: [13]}
exclude: [sqlite]
paused: true
""")
    m = load_migration(path)
    assert m.id == "tc" and m.created == "2026-02-01"
    assert dict(m.toolchain) == {"c_compiler_version": "13"}
    assert dict(m.platforms) == {"linux-x86_64": "manylinux_2_28"}
    assert dict(m.variants) == {"cuda": ("13",)}
    assert m.exclude == {"sqlite"} and m.paused and m.pr_limit == 20 and m.bump_number == 1
    assert m.kinds == ("toolchain", "platforms", "variants")


def test_load_migrations_orders_oldest_first_and_skips_retired(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", "schema_version: 1\nsummary: s\ncreated: '2026-01-01'\npins: {zlib: '1'}\n")
    write(tmp_path, "a.yaml", "schema_version: 1\nsummary: s\ncreated: '2026-03-01'\npins: {zlib: '2'}\n")
    write(tmp_path / "retired", "old.yaml", "anything: at all\n")
    write(tmp_path, "README.md", "not a migration\n")
    assert [m.id for m in load_migrations(tmp_path)] == ["b", "a"]
    assert retired_ids(tmp_path) == {"old"}


def test_affected_recipes(tmp_path: Path) -> None:
    facts = facts_of(make_farm(tmp_path))
    pin = load_migration(write(tmp_path, "p.yaml", "schema_version: 1\nsummary: s\npins: {zlib: '1.2.13'}\n"))
    assert sorted(n for n, f in facts.items() if pin.affects(f)) == ["libtiff", "tiffconv", "tiffutil"]
    cxx = load_migration(write(tmp_path, "c.yaml", "schema_version: 1\nsummary: s\ntoolchain: {cxx_compiler_version: '13'}\n"))
    assert not any(cxx.affects(f) for f in facts.values())  # nobody builds with a C++ compiler
    cc = load_migration(write(tmp_path, "cc.yaml", "schema_version: 1\nsummary: s\ntoolchain: {c_compiler_version: '13'}\n"))
    assert all(cc.affects(f) for f in facts.values())
    policy = load_migration(write(tmp_path, "pl.yaml", "schema_version: 1\nsummary: s\nplatforms: {linux-x86_64: {policy: manylinux_2_28}}\n"))
    assert all(policy.affects(f) for f in facts.values())


def test_host_requirements_are_read_through_every_condition_branch(tmp_path: Path) -> None:
    root = make_farm(tmp_path)
    recipe = root / "recipes" / "tiffview" / "recipe.yaml"
    recipe.write_text(recipe.read_text().replace("    - tiffutil", "    - tiffutil\n    - if: win\n      then: [sqlite]"))
    facts = facts_of(root)
    assert facts["tiffview"].host == {"tiffutil", "sqlite"}
    assert facts_graph(facts).dependencies("tiffview") == ["sqlite", "tiffutil"]


def test_check_names_unknown_recipes_and_migrations_with_did_you_mean(tmp_path: Path) -> None:
    root = make_farm(tmp_path)
    facts = facts_of(root)
    pins = load_pins(root / "recipes" / "pins.yaml")
    path = write(tmp_path, "m.yaml", "schema_version: 1\nsummary: s\npins: {zlb: '1.3'}\nexclude:\n  - libtif\n"
                                     "wait_for: [zlib-1.3.0]\nvariants: {cuda: ['13']}\n")
    problems = check_migration(load_migration(path), facts, pins, {"zlib-1.3.1"})
    assert problems == [
        f"{path}:3:8: 'zlb' is neither a recipe nor a pinned or external library; did you mean 'zlib'?",
        f"{path}:5:5: no recipe named 'libtif'; did you mean 'libtiff'?",
        f"{path}:6:12: no migration named 'zlib-1.3.0' (active or retired); did you mean 'zlib-1.3.1'?",
        f"{path}:7:12: no recipe has a variant axis 'cuda'",
    ]


def test_draft_from_a_pin_change_loads_back(tmp_path: Path) -> None:
    root = make_farm(tmp_path)
    pins = load_pins(root / "recipes" / "pins.yaml")
    draft = draft_migration(Change(pins=MappingProxyType({"zlib": "1.3.1"})), pins, facts_of(root), date(2026, 5, 1))
    assert draft.file_name == "zlib-1.3.1.yaml"
    m = load_migration(write(tmp_path / "mig", draft.file_name, draft.text))
    assert dict(m.pins) == {"zlib": "1.3.1"} and m.created == "2026-05-01"
    assert m.summary == "Rebuild against zlib 1.3.1 (was 1.2.12)"
    assert "# exclude: []" in draft.text  # optional keys shown, commented


def test_draft_refuses_an_unchanged_or_unknown_pin(tmp_path: Path) -> None:
    root = make_farm(tmp_path)
    pins = load_pins(root / "recipes" / "pins.yaml")
    with pytest.raises(MigrationError) as err:
        draft_migration(Change(pins=MappingProxyType({"zlib": "1.2.12", "libtif": "5"})), pins, facts_of(root),
                        date(2026, 5, 1))
    assert err.value.problems == ("--pin zlib=1.2.12: the pin already is 1.2.12; nothing to migrate",
                                  "--pin libtif: no recipe or pinned library named 'libtif'; did you mean 'libtiff'?")
    with pytest.raises(MigrationError, match="say what changes"):
        draft_migration(Change(), pins, facts_of(root), date(2026, 5, 1))


def test_effective_pins_lays_migrations_over_pins_yaml(tmp_path: Path) -> None:
    root = make_farm(tmp_path)
    pins = load_pins(root / "recipes" / "pins.yaml")
    m = load_migration(write(tmp_path, "m.yaml", "schema_version: 1\nsummary: s\npins: {zlib: '1.2.13'}\n"
                                                 "toolchain: {c_compiler_version: '13'}\n"
                                                 "platforms: {linux-x86_64: {policy: manylinux_2_28}}\n"))
    out = effective_pins(pins, [m])
    assert out.pins["zlib"] == "1.2.13" and out.pins["sqlite"] == pins.pins["sqlite"]
    assert out.toolchain["c_compiler_version"] == "13"
    assert out.platforms["linux-x86_64"].policy == "manylinux_2_28"
    assert pins.pins["zlib"] == "1.2.12"  # the original is untouched
