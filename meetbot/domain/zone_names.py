"""The time zones a person can pick, searchable by city, country, abbreviation and old
spellings, UTC first.

Built from the IANA database the ``tzdata`` package ships (a runtime requirement):
``zone.tab`` gives the current name of every zone with its country and a note,
``iso3166.tab`` the country names, the link lines of ``tzdata.zi`` the old spellings
(``Europe/Kiev`` -> ``Europe/Kyiv``, ``US/Pacific`` -> ``America/Los_Angeles``), and
``zoneinfo`` the abbreviations in January and July (CET/CEST, PST/PDT, JST). A compact
table adds the big cities that are not zone names (San Francisco, Bangalore, ...).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from difflib import get_close_matches
from functools import lru_cache
from importlib.resources import files
from zoneinfo import ZoneInfo

# Cities people type that are not zone names, and country names people use besides
# ISO 3166's own. Kept short on purpose: the zone names cover the rest.
CITY_ALIASES: dict[str, tuple[str, ...]] = {
    "America/Los_Angeles": ("San Francisco", "Seattle", "San Jose", "Silicon Valley"),
    "America/New_York": ("Boston", "Washington", "Atlanta", "Miami", "Philadelphia"),
    "America/Chicago": ("Dallas", "Houston", "Austin", "Minneapolis"),
    "America/Denver": ("Salt Lake City", "Albuquerque"),
    "America/Toronto": ("Ottawa", "Montreal"),
    "America/Sao_Paulo": ("Rio de Janeiro", "Brasilia"),
    "Europe/Berlin": ("Munich", "Frankfurt", "Hamburg", "Germany"),
    "Europe/London": ("United Kingdom", "UK", "England", "Edinburgh", "Manchester"),
    "Europe/Paris": ("Lyon", "Grenoble", "Nantes"),
    "Europe/Zurich": ("Geneva", "Bern"),
    "Europe/Amsterdam": ("Netherlands", "Rotterdam", "Eindhoven"),
    "Asia/Kolkata": ("Bangalore", "Bengaluru", "Mumbai", "Delhi", "Chennai", "Pune", "IST"),
    "Asia/Shanghai": ("Beijing", "Shenzhen", "Hangzhou", "China"),
    "Asia/Tokyo": ("Osaka", "Kyoto"),
    "Asia/Seoul": ("Busan",),
    "Australia/Sydney": ("Canberra",),
    "Asia/Ho_Chi_Minh": ("Saigon", "Hanoi"),
}
UTC_NAME = "UTC"


@dataclass(frozen=True)
class ZoneChoice:
    """One zone of the picker: its IANA name, what is shown, and what it is found by."""

    name: str  # the current IANA name, e.g. Europe/Kyiv
    label: str  # e.g. "Kyiv — Ukraine (EET/EEST)"
    keywords: str  # folded search text: city, country, abbreviations, old names, note
    exact: tuple[str, ...] = ()  # folded names that match it exactly (ranked first)


def fold(text: str) -> str:
    """Lower case without accents, ``_`` and ``/`` as spaces: what search compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("_", " ").replace("/", " ").lower().split())


def _tzdata_text(name: str) -> str:
    return files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")


def _table(name: str) -> list[list[str]]:
    rows = []
    for line in _tzdata_text(name).splitlines():
        if line and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@lru_cache(maxsize=1)
def old_names() -> dict[str, list[str]]:
    """Current name -> the old spellings linked to it (tzdata.zi ``L target link``)."""
    out: dict[str, list[str]] = {}
    for line in _tzdata_text("tzdata.zi").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            out.setdefault(parts[1], []).append(parts[2])
    return out


def abbreviations(name: str, year: int) -> list[str]:
    """The zone's lettered abbreviations in January and July of ``year`` (CET, CEST);
    numeric ones such as ``+03`` are left out (they say nothing a person searches by)."""
    zone = ZoneInfo(name)
    found: list[str] = []
    for month in (1, 7):
        abbr = datetime(year, month, 15, 12, tzinfo=UTC).astimezone(zone).tzname() or ""
        if abbr[:1].isalpha() and abbr not in found:
            found.append(abbr)
    return found


def city_of(name: str) -> str:
    """``America/Argentina/Buenos_Aires`` -> ``Buenos Aires``."""
    return name.rsplit("/", 1)[-1].replace("_", " ")


@lru_cache(maxsize=4)
def zone_choices(year: int) -> tuple[ZoneChoice, ...]:
    """Every current zone, UTC first, then by city; abbreviations as in ``year``."""
    countries = {row[0]: row[1] for row in _table("iso3166.tab")}
    links = old_names()
    by_zone: dict[str, list[tuple[str, str]]] = {}
    for row in _table("zone.tab"):
        note = row[3] if len(row) > 3 else ""
        by_zone.setdefault(row[2], []).append((countries.get(row[0], row[0]), note))
    choices = [_choice(UTC_NAME, [("Coordinated Universal Time", "")], links, year)]
    for name in sorted(by_zone, key=city_of):
        choices.append(_choice(name, by_zone[name], links, year))
    return tuple(choices)


def _choice(
    name: str, places: list[tuple[str, str]], links: dict[str, list[str]], year: int
) -> ZoneChoice:
    abbrs = abbreviations(name, year)
    country = ", ".join(dict.fromkeys(c for c, _ in places))
    label = f"{city_of(name)} — {country}" if name != UTC_NAME else f"UTC — {country}"
    if abbrs and abbrs != [UTC_NAME]:
        label += f" ({'/'.join(abbrs)})"
    old = links.get(name, [])
    exact = [name, city_of(name), *abbrs, *old, *map(city_of, old), *CITY_ALIASES.get(name, ())]
    if name == UTC_NAME:
        exact += ["GMT", "Zulu", "Etc/UTC", "Universal"]
    words = [*exact, country, *(note for _, note in places)]
    return ZoneChoice(
        name=name,
        label=label,
        keywords=fold(" ".join(words)),
        exact=tuple(dict.fromkeys(fold(w) for w in exact)),
    )


def search_zones(query: str, year: int, limit: int = 20) -> list[ZoneChoice]:
    """The choices whose search text holds every word of ``query``: exact names and
    abbreviations first, then cities starting with it, then the rest (UTC first when
    it matches). An empty query gives the first ``limit`` choices."""
    words = fold(query).split()
    found = [c for c in zone_choices(year) if all(w in c.keywords for w in words)]
    folded = fold(query)

    def rank(c: ZoneChoice) -> int:
        if c.name == UTC_NAME:
            return 0
        if folded in c.exact:
            return 1
        return 2 if fold(city_of(c.name)).startswith(folded) else 3

    return sorted(found, key=rank)[:limit]


def current_name(name: str) -> str:
    """The current spelling of a zone name (``Europe/Kiev`` -> ``Europe/Kyiv``); names
    that are current, or unknown, come back unchanged."""
    for target, aliases in old_names().items():
        if name in aliases:
            return target
    return name


def suggest_zone(text: str, year: int) -> str | None:
    """The zone someone probably meant by ``text`` (a city, an old or misspelt name:
    "Kiev", "Europe/Kiew", "Tokio"), or None when nothing is close."""
    folded = fold(text)
    if not folded:
        return None
    by_exact = {e: c.name for c in zone_choices(year) for e in c.exact}
    if folded in by_exact:
        return by_exact[folded]
    close = get_close_matches(folded, list(by_exact), n=1, cutoff=0.8)
    if close:
        return by_exact[close[0]]
    found = search_zones(text, year, limit=2)
    return found[0].name if len(found) == 1 else None
