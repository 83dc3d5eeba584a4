"""The one slug rule (``pulumi_openpanel.core.slug``) against what the server does with names."""

from __future__ import annotations

import pytest

from pulumi_openpanel.core import slug
from tests.support.imports import modules_loaded_by
from tests.support.slugs import DERIVED, MEASURED


@pytest.mark.parametrize(("name", "expected"), MEASURED)
def test_every_measured_name_gives_the_servers_id(name: str, expected: str) -> None:
    assert slug.slugify(name) == expected


@pytest.mark.parametrize(("name", "expected"), DERIVED)
def test_corners_of_the_packages_rule(name: str, expected: str) -> None:
    assert slug.slugify(name) == expected


def test_a_character_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="'é' is listed twice in the Latin spellings"):
        slug._by_character({"Latin": {"e": "é", "ee": "é"}})


def test_every_spelling_is_what_a_slug_can_hold() -> None:
    """The table holds spellings after slugify's later steps: lower-case ASCII letters and digits, and spaces
    only between the words of a multi-word spelling. Anything else would reach the id unfiltered."""
    for character, spelling in slug.TRANSLITERATION.items():
        assert spelling, character
        assert spelling == " ".join(spelling.split()), character
        assert all(c == " " or (c.isascii() and (c.islower() or c.isdigit())) for c in spelling), character


def test_the_rule_loads_without_the_emulator() -> None:
    """The provider imports the slug rule; the emulator is an optional extra the provider must never need."""
    loaded = modules_loaded_by("pulumi_openpanel.core.slug", "pulumi_openpanel.core.normalize",
                               "pulumi_openpanel.project",
                               prefixes=("pulumi_openpanel.emulator", "starlette", "uvicorn"))
    assert loaded == []
