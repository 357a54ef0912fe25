"""domain/zone_names: the time-zone picker's list, searchable by city, country,
abbreviation and old spellings, UTC first."""

from __future__ import annotations

from zoneinfo import available_timezones

from meetbot.domain.zone_names import current_name, search_zones, zone_choices

YEAR = 2026


def names(query: str) -> list[str]:
    return [c.name for c in search_zones(query, YEAR)]


def test_utc_first_then_every_current_zone_once() -> None:
    choices = zone_choices(YEAR)
    assert choices[0].name == "UTC"
    all_names = [c.name for c in choices]
    assert len(all_names) == len(set(all_names))
    assert set(all_names) <= available_timezones()
    assert "Europe/Kyiv" in all_names and "Europe/Kiev" not in all_names
    assert names("")[0] == "UTC"


def test_search_by_city_country_and_current_name() -> None:
    assert names("kyiv")[0] == "Europe/Kyiv"
    assert names("Ukraine")[:2] == ["Europe/Kyiv", "Europe/Simferopol"]
    assert names("japan") == ["Asia/Tokyo"]
    assert names("los angeles")[0] == "America/Los_Angeles"
    assert names("San Francisco") == ["America/Los_Angeles"]
    assert names("são paulo")[0] == "America/Sao_Paulo"  # accents do not matter


def test_old_spellings_find_the_current_name() -> None:
    assert names("Kiev") == ["Europe/Kyiv"]
    assert names("Calcutta") == ["Asia/Kolkata"]
    assert names("US/Pacific")[0] == "America/Los_Angeles"
    assert current_name("Europe/Kiev") == "Europe/Kyiv"
    assert current_name("Europe/Kyiv") == "Europe/Kyiv"


def test_abbreviations_and_labels() -> None:
    assert names("JST") == ["Asia/Tokyo"]
    assert names("PST")[0] == "America/Los_Angeles"
    assert "Europe/Berlin" in names("CET")
    assert "Europe/Berlin" in names("CEST")
    assert names("utc")[0] == "UTC" and names("GMT")[0] == "UTC"
    kyiv = next(c for c in zone_choices(YEAR) if c.name == "Europe/Kyiv")
    assert kyiv.label == "Kyiv — Ukraine (EET/EEST)"
