"""The groups index: every group with its numbers of work streams and series."""

from __future__ import annotations

import re

from meetbot.extensions import db


def _card(html: str, name: str) -> str:
    """The text of the index card of the group called ``name``."""
    match = re.search(rf">{re.escape(name)}</a></h2>\s*<p class=\"muted\">([^<]*)</p>", html)
    assert match, f"no card for {name}"
    return " ".join(match.group(1).split())


def test_index_counts_streams_and_series_of_each_group(
    client, create_group, create_work_stream, create_series
) -> None:
    busy = create_group(name="Busy", timezone="Europe/Berlin")
    quiet = create_group(name="Quiet")
    for _ in range(3):
        create_work_stream(busy)
    for _ in range(2):
        create_series(busy)
    create_series(quiet)

    html = client.get("/groups/").get_data(as_text=True)

    assert _card(html, "Busy") == "3 work streams · 2 meeting series · Europe/Berlin"
    assert _card(html, "Quiet") == "0 work streams · 1 meeting series · UTC"
    assert html.index(">Busy</a>") < html.index(">Quiet</a>")  # by name


def test_index_statements_do_not_grow_with_groups(
    client, create_group, create_work_stream, create_series, count_queries
) -> None:
    def add_group() -> None:
        group = create_group()
        create_work_stream(group)
        create_series(group)

    add_group()
    client.get("/groups/")
    db.session.remove()
    with count_queries() as few:
        assert client.get("/groups/").status_code == 200
    for _ in range(5):
        add_group()
    db.session.remove()
    with count_queries() as many:
        html = client.get("/groups/").get_data(as_text=True)
    assert html.count("1 work streams · 1 meeting series") == 6
    assert many.count == few.count <= 3
