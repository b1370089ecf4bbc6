"""`coffee-node event add|list|cancel`: scriptable, --json, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.commands.events import parse_place
from node.errors import InvalidInput
from node.storage import events as events_store
from tests.commands import make_node_dir, run
from tests.federation_network.helpers import cli, handle


def test_add_list_cancel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    node = make_node_dir(tmp_path)
    code, out, _err = run(capsys, "event", "add", node, "--title", "Afterwork transfrontalier", "--start", "2030-05-12T18:00",
                          "--end", "2030-05-12T21:00", "--place", "ESCO, Rue de la Tannerie 1, 7500 Tournai, BE",
                          "--category", "networking", "--language", "fr", "nl", "--capacity", "40", "--json")
    assert code == 0
    event = json.loads(out)
    assert (event["start"], event["timezone"]) == ("2030-05-12T18:00:00+02:00", "Europe/Paris")  # Mutualab's zone
    assert event["place"]["city"] == "Tournai"
    assert (event["place"]["postal_code"], event["place"]["country"]) == ("7500", "BE")
    assert (event["category"], event["languages"], event["capacity"]) == ("NETWORKING", ["fr", "nl"], 40)
    assert event["cross_border"]  # a French space, a Belgian place

    code, out, _err = run(capsys, "event", "add", node, "--title", "Webinaire", "--start", "2030-05-13T12:00",
                          "--end", "2030-05-13T13:00", "--tz", "Europe/Brussels", "--online-url", "https://visio.test/r")
    assert code == 0 and out.startswith("Published https://lille.test/events/")
    code, out, _err = run(capsys, "event", "list", node, "--upcoming", "--json")
    listed = json.loads(out)
    assert [e["name"] for e in listed] == [{"fr": "Afterwork transfrontalier"}, {"fr": "Webinaire"}]
    assert listed[1]["place"]["place_kind"] == "online_only"

    code, out, _err = run(capsys, "event", "cancel", node, event["uuid"])
    assert code == 0 and "[cancelled, cross-border]" in out
    code, out, _err = run(capsys, "event", "list", node)
    assert out.splitlines()[0].endswith("Afterwork transfrontalier  [cancelled, cross-border]")


@pytest.mark.parametrize(("extra", "reason"), [
    (["--start", "2030-05-12T18:00", "--end", "2030-05-12T17:00"], "The event must end after it starts."),
    (["--start", "2030-05-12T18:00", "--end", "2030-05-12T19:00", "--tz", "Mars/Olympus"], "Unknown time zone"),
    (["--start", "2030-05-12T18:00", "--end", "2030-05-12T19:00", "--capacity", "0"], "at least 1"),
    (["--start", "2030-05-12T18:00", "--end", "2030-05-12T19:00", "--place", "somewhere"], "Name, Street, Postal City, CC"),
    (["--start", "2030-05-12T18:00", "--end", "2030-05-12T19:00", "--cohost", "esco"], "handle"),
    (["--start", "2030-05-12T18:00", "--end", "2030-05-12T19:00", "--cohost", "acct:esco@127.0.0.1:1"],
     "esco@127.0.0.1:1 is on a private or local network address"),
])
def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], reason: str) -> None:
    node = make_node_dir(tmp_path)
    code, out, err = run(capsys, "event", "add", node, "--title", "X", *extra)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith("coffee-node event: ") and reason in err
    code, out, _err = run(capsys, "event", "list", node, "--json")
    assert json.loads(out) == []


async def test_cohost_from_the_command_line(node_factory) -> None:
    """The command resolves the cohost next to the running server, as the web form does."""
    mutualab = await node_factory()
    esco = await node_factory(name="ESCO", country="BE", city="Tournai")
    assert await cli("event", "add", str(mutualab.config.data_dir), "--title", "Afterwork", "--start", "2030-05-12T18:00",
                     "--end", "2030-05-12T21:00", "--cohost", handle(esco)) == 0
    [event] = events_store.select(mutualab.store)
    assert event["cohosts"][0] | {"acct": ""} == {"id": f"{esco.url}/", "name": "ESCO", "country": "BE", "acct": ""}
    assert event["cross_border"]


def test_cancel_unknown_event(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "event", "cancel", make_node_dir(tmp_path), "4c1f0f43-0000-4000-8000-000000000000")
    assert code == 1 and err == "coffee-node event: No such event.\n"


def test_place_argument() -> None:
    assert parse_place(None, "") == {"place_kind": "this_space"}
    assert parse_place(None, "https://visio.test") == {"place_kind": "online_only"}
    assert parse_place("this", "https://visio.test") == {"place_kind": "this_space"}
    assert parse_place("Switch, Rue de Marcinelle 12, 6000 Charleroi, BE", "") == {
        "place_kind": "address", "place_name": "Switch", "street": "Rue de Marcinelle 12", "postal_code": "6000",
        "city": "Charleroi", "country": "BE"}
    assert parse_place("Gare, Parvis, Lille, FR", "")["postal_code"] == ""
    with pytest.raises(InvalidInput):
        parse_place("Gare, Lille", "")
