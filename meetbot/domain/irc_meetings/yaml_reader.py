"""Reading composed YAML nodes into values, with the file and line of every problem."""

from __future__ import annotations

import re
from datetime import date, datetime

import yaml

from meetbot.domain.bounds import YEAR_MESSAGE, year_ok
from meetbot.domain.irc_meetings.definitions import Chair, IrcMeetingsError, parse_chairs
from meetbot.domain.recurrence import RecurrenceError, to_utc

_DATE_RE = re.compile(r"^\d{8}$")
_NULL_TAG = "tag:yaml.org,2002:null"


class Reader:
    """Reads composed YAML nodes, turning problems into IrcMeetingsError."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def fail(self, message: str, node: yaml.Node | None = None) -> IrcMeetingsError:
        line = node.start_mark.line + 1 if node is not None else None
        return IrcMeetingsError(message, self.filename, line)

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(f"{what} must be a mapping of keys to values", node)
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(f"{what} has a key that is not a plain name", key_node)
            key = key_node.value
            if key in out:
                raise self.fail(f"{what} has the key {key!r} twice", key_node)
            out[key] = (key_node, value_node)
        return out

    def text(
        self, items: dict[str, tuple[yaml.Node, yaml.Node]], key: str, where: str, node: yaml.Node
    ) -> str | None:
        """A scalar's text as written (no int/octal/date conversion); None if absent/null."""
        if key not in items:
            return None
        key_node, value = items[key]
        if not isinstance(value, yaml.ScalarNode):
            raise self.fail(f"{key!r} in {where} must be a single value", value)
        if value.tag == _NULL_TAG and value.style is None:
            return None
        return str(value.value)

    def required(
        self, items: dict[str, tuple[yaml.Node, yaml.Node]], key: str, where: str, node: yaml.Node
    ) -> str:
        value = self.text(items, key, where, node)
        if value is None or not value.strip():
            line_node = items[key][0] if key in items else node
            raise self.fail(f"{where} is missing the required key {key!r}", line_node)
        return value

    def plain(self, node: yaml.Node) -> object:
        """Plain Python data for an 'extras' value (strings for every scalar)."""
        if isinstance(node, yaml.ScalarNode):
            return None if node.tag == _NULL_TAG and node.style is None else node.value
        if isinstance(node, yaml.SequenceNode):
            return [self.plain(item) for item in node.value]
        return {self.plain(k): self.plain(v) for k, v in node.value}


def zone_name(reader: Reader, value: str, node: yaml.Node) -> str:
    name = value.strip()
    try:
        to_utc(datetime(2000, 1, 1), name)
    except RecurrenceError as exc:
        raise reader.fail(f"unknown time zone {name!r} (use an IANA name)", node) from exc
    return name


def parse_date(reader: Reader, value: str, what: str, node: yaml.Node) -> date:
    text = value.strip()
    if _DATE_RE.match(text):
        try:
            parsed = datetime.strptime(text, "%Y%m%d").date()
        except ValueError:
            pass
        else:
            if not year_ok(parsed):
                raise reader.fail(f"{what} {text!r}: {YEAR_MESSAGE}", node)
            return parsed
    raise reader.fail(f"{what} {text!r} is not a date in the form YYYYMMDD", node)


def chairs_value(reader: Reader, node: yaml.Node) -> list[Chair]:
    if isinstance(node, yaml.ScalarNode):
        return parse_chairs(str(node.value))
    if isinstance(node, yaml.SequenceNode) and all(
        isinstance(item, yaml.ScalarNode) for item in node.value
    ):
        return [chair for item in node.value for chair in parse_chairs(str(item.value))]
    raise reader.fail("chair must be text like 'Name (nick), Name (nick)'", node)
