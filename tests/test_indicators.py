"""The node's own indicators: the support log's rules, exports equal to the API, nothing personal leaves."""

from __future__ import annotations

import csv
import re
import io
import json
from datetime import timedelta

import aiohttp
import pytest
from openpyxl import load_workbook

from node.errors import InvalidInput
from node.services.indicators import support_log, targets
from node.services.indicators.report import own_figures, parse_period
from node.storage import members as members_store
from node.timeutil import now
from tests.federation_network.helpers import cli
from tests.test_events import make_store
from tests.web import add_member, login, submit

TODAY = now().date()
ENTRY = {"date": TODAY.isoformat(), "kind": "development", "beneficiary_type": "company",
         "beneficiary_name": "Zorglub Confidential SARL", "beneficiary_country": "FR", "new_company": "yes",
         "hours": "3", "given_by": "Manon Secretname", "note": "private note about cash-flow trouble"}
PERSONAL = ("Zorglub", "Secretname", "cash-flow trouble")


def by_key(figures):
    return {item["indicator"]: item for item in figures}


@pytest.mark.parametrize(("change", "field"), [
    ({"date": (TODAY + timedelta(days=1)).isoformat()}, "date"),
    ({"hours": "-1"}, "hours"),
    ({"hours": "nan"}, "hours"),
    ({"hours": "20000"}, "hours"),
    ({"hours": "two"}, "hours"),
    ({"kind": ""}, "kind"),
    ({"kind": "astrology"}, "kind"),
    ({"beneficiary_country": "XX"}, "beneficiary_country"),
    ({"member": "nobody"}, "member"),
])
def test_a_bad_support_entry_is_refused_naming_the_field(change, field) -> None:
    store = make_store()
    with pytest.raises(InvalidInput) as refused:
        support_log.add(store, ENTRY | change)
    assert refused.value.field == field
    assert store.conn.execute("SELECT count(*) FROM support_log").fetchone()[0] == 0


def test_the_small_count_rule_hides_1_and_2_in_identifying_categories_only() -> None:
    store = make_store()
    for index, country in enumerate(["FR", "BE", "BE", "NL", "NL", "NL"]):
        support_log.add(store, ENTRY | {"beneficiary_name": f"Company {index}", "beneficiary_country": country})
    figures = by_key(own_figures(store, parse_period(None, None)))
    assert figures["companies_supported"]["total"] == 6
    assert figures["companies_supported"]["byCountry"] == [
        {"country": "BE", "fewerThan": 3}, {"country": "FR", "fewerThan": 3}, {"country": "NL", "value": 3}]
    assert figures["support_actions"]["monthly"] == [{"month": TODAY.isoformat()[:7], "value": 6}]


def test_the_support_log_csv_round_trips_and_a_bad_line_names_line_and_field() -> None:
    store = make_store()
    members_store.insert(store, username="lea", display_name="Léa", status="active")
    support_log.add(store, ENTRY)
    support_log.add(store, ENTRY | {"beneficiary_type": "person", "member": "lea", "beneficiary_name": "",
                                    "new_company": ""})
    exported = support_log.export_csv(store)
    other = make_store()
    members_store.insert(other, username="lea", display_name="Léa", status="active")
    assert support_log.import_csv(other, exported) == 2
    assert support_log.export_csv(other) == exported
    broken = exported.replace(TODAY.isoformat(), (TODAY + timedelta(days=3)).isoformat(), 1)
    with pytest.raises(InvalidInput) as refused:
        support_log.import_csv(other, broken)
    assert refused.value.field == "date" and "Line 2" in refused.value.message
    assert other.conn.execute("SELECT count(*) FROM support_log").fetchone()[0] == 2  # all or nothing


async def test_the_support_log_form_is_for_admins_and_answers_400_naming_the_field(node) -> None:
    add_member(node, "boss", role="admin")
    add_member(node, "alice")
    http = node.client()
    assert await login(http, "alice") == 303
    async with http.get("/admin/support", allow_redirects=False) as resp:
        assert resp.status == 403
    http = node.client()
    assert await login(http, "boss") == 303
    status, body, _ = await submit(http, "/admin/support", "/admin/support", ENTRY | {"hours": "-2"})
    assert status == 400 and 'id="hours" name="hours" type="number" min="0" step="0.25" value="-2" aria-invalid="true"' in body
    status, _body, location = await submit(http, "/admin/support", "/admin/support", ENTRY)
    assert (status, location) == (303, "/admin/support")
    async with http.get("/admin/support") as resp:
        assert "Zorglub Confidential SARL" in await resp.text()


async def test_no_personal_data_leaves_the_node(node) -> None:
    support_log.add(node.store, ENTRY)
    targets.set_coffee_targets(node.store)
    http = node.client()
    ap = {"Accept": "application/activity+json"}
    bodies = []
    for path, headers in [("/", ap), ("/", {}), ("/space/indicators", ap), (f"/space/indicators/{TODAY:%Y-%m}", ap),
                          ("/api/indicators", {}), ("/api/indicators?network=true", {}), ("/indicators", {}),
                          ("/indicators?network=true", {}), ("/indicators.csv", {}), ("/indicators/report", {}),
                          ("/nodeinfo/2.1", {}), ("/space/outbox", ap), ("/api/space", {}), ("/members", {})]:
        async with http.get(path, headers=headers) as resp:
            assert resp.status == 200, path
            bodies.append(await resp.text())
    async with http.get("/indicators.xlsx") as resp:
        book = load_workbook(io.BytesIO(await resp.read()), read_only=True)
        bodies.append(json.dumps([list(row) for row in book.active.iter_rows(values_only=True)], default=str))
    stored = node.store.conn.execute("SELECT group_concat(document, ' ') FROM activities").fetchone()[0] or ""
    for text in bodies + [stored]:
        assert not any(secret in text for secret in PERSONAL)
    assert '"companies_supported", "available": true' in bodies[4]
    assert json.loads(bodies[10])["metadata"]["indicators"] == json.loads(bodies[0])["indicators"] == \
        f"{node.url}/space/indicators"  # advertised in NodeInfo and in the space actor


async def test_xlsx_and_csv_exports_hold_the_numbers_of_the_json_api(node) -> None:
    for index, country in enumerate(["FR", "BE", "BE", "BE"]):
        support_log.add(node.store, ENTRY | {"beneficiary_name": f"Company {index}", "beneficiary_country": country})
    http = node.client()
    async with http.get("/api/indicators") as resp:
        api = await resp.json()
    expected = [(item["indicator"], item.get("total")) for item in api["figures"]]
    async with http.get("/indicators.xlsx") as resp:
        assert resp.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        book = load_workbook(io.BytesIO(await resp.read()), read_only=True)
    rows = list(book["indicators"].iter_rows(values_only=True))
    header, data = rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]
    assert [(row["indicator"], row["value"]) for row in data if row["month"] == "total" and not row["country"]] == expected
    by_country = {(row["indicator"], row["country"]): (row["value"], row["fewer_than_3"]) for row in data if row["country"]}
    assert by_country[("companies_supported", "BE")] == (3, 0) and by_country[("companies_supported", "FR")] == (None, 1)
    async with http.get("/indicators.csv") as resp:
        text = await resp.text()
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert tuple(parsed[0]) == header
    assert [[str(value) if value is not None else "" for value in row.values()] for row in data] == \
        [list(row.values()) for row in parsed]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(parsed)
    assert out.getvalue() == text  # the CSV round-trips


async def test_the_cli_prints_the_api_figures_and_the_csv(node, capsys) -> None:
    support_log.add(node.store, ENTRY)
    assert await cli("indicators", str(node.config.data_dir), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert by_key(data["figures"])["companies_supported"]["total"] == 1
    assert await cli("indicators", str(node.config.data_dir), "--csv", "--from", TODAY.strftime("%Y-%m")) == 0
    assert "node," in capsys.readouterr().out
    assert await cli("indicators", str(node.config.data_dir), "--from", "2026-13") == 1
    assert await cli("indicators", str(node.config.data_dir), "--network") == 0
    assert "network:" in capsys.readouterr().out


def test_the_demo_targets_are_the_coffee_programme_s() -> None:
    store = make_store()
    targets.set_coffee_targets(store)
    assert targets.targets_for(store, parse_period(None, None)) == {
        "companies_supported": 84, "cross_border_events_held": 35, "members_registered": 400,
        "new_companies_supported": 42, "partnerships_started": 48, "people_reached_by_support": 100}
    figures = own_figures(store, parse_period(None, None))
    progress = targets.progress(figures, targets.targets_for(store, parse_period(None, None)))
    assert progress["partnerships_started"] == {"value": 0, "target": 48, "percent": 0}  # counted by node.services.partnerships


def test_the_published_document_is_json_ld_every_term_of_which_our_context_defines() -> None:
    """Expanded with the bundled contexts and compacted again, the document is unchanged: no term is
    dropped or turned into a blank-node IRI (an undefined term would be)."""
    from federation.jsonld import compact, expand
    from node.services.indicators.report import document
    from tests.test_events import CONFIG

    store = make_store()
    support_log.add(store, ENTRY)
    doc = document(store, CONFIG, parse_period(TODAY.strftime("%Y-%m"), TODAY.strftime("%Y-%m")))
    assert doc["id"] == f"https://esco.test/space/indicators/{TODAY:%Y-%m}"
    assert compact(expand(doc)) == doc


async def test_people_registered_are_counted_by_their_country_of_residence_which_stays_private(node) -> None:
    add_member(node, "boss", role="admin")
    http = node.client()
    assert await login(http, "boss") == 303
    status, body, _ = await submit(http, "/me/edit", "/me/edit", {"display_name": "Boss", "country": "XX",
                                                                   "visibility": "public"})
    assert status == 400 and 'id="country"' in body and 'aria-invalid="true"' in body.split('id="country"')[1][:400]
    status, _body, _ = await submit(http, "/me/edit", "/me/edit", {"display_name": "Boss", "country": "nl",
                                                                    "visibility": "public"})
    assert status == 303
    for username in ("ann", "bob", "cem"):
        members_store.insert(node.store, username=username, status="active", country="BE")
    figures = by_key(own_figures(node.store, parse_period(None, None)))
    assert figures["members_registered"]["byCountry"] == [{"country": "BE", "value": 3}, {"country": "NL", "fewerThan": 3}]
    for path in ("/@boss", "/api/members"):
        async with node.client().get(path, headers={"Accept": "application/activity+json"} if path == "/@boss" else {}) as resp:
            assert '"NL"' not in await resp.text()


async def test_an_admin_imports_the_support_log_spreadsheet_as_csv(node) -> None:
    add_member(node, "boss", role="admin")
    http = node.client()
    assert await login(http, "boss") == 303
    good = "date,kind,beneficiary_name,beneficiary_country,hours\n" \
           f"{TODAY},training,Atelier Nord,FR,2\n{TODAY},other,Coop Est,BE,1\n"
    bad = good + f"{TODAY},training,Atelier Sud,FR,-4\n"
    for text, expected in ((bad, 400), (good, 303)):
        async with http.get("/admin/support") as resp:
            token = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text()).group(1)
        form = aiohttp.FormData()
        form.add_field("csrf_token", token)
        form.add_field("file", text.encode(), filename="log.csv", content_type="text/csv")
        async with http.post("/admin/support/import", data=form, allow_redirects=False) as resp:
            assert resp.status == expected
            if expected == 400:
                assert "Line 4" in await resp.text()
    assert node.store.conn.execute("SELECT count(*) FROM support_log").fetchone()[0] == 2


@pytest.mark.parametrize(("change", "reason"), [
    ({"attributedTo": "https://mallory.test/space"}, "issued by"),
    ({"id": "https://mallory.test/indicators"}, "issued by"),  # served, after a redirect, from elsewhere
    ({"type": "Note"}, "not an IndicatorReport"),
    ({"figures": [{"indicator": "events_held", "available": True, "total": 2.5}]}, "non-negative integer"),
    ({"figures": [{"indicator": "events_held", "available": True, "total": 1,
                   "byCountry": [{"country": "FR", "value": -1}]}]}, "non-negative integer"),
    ({"figures": [{"indicator": "events_held", "available": True, "total": 1,
                   "byCountry": [{"country": "<script>", "value": 1}]}]}, "ISO code"),
])
def test_a_document_that_is_not_the_space_s_own_figures_is_unverified(change, reason) -> None:
    from node.services.indicators.network import Unverified, verify

    space, url = "https://esco.test/", "https://esco.test/space/indicators"
    doc = {"id": url, "type": "IndicatorReport", "attributedTo": space,
           "figures": [{"indicator": "events_held", "available": True, "total": 1, "monthly": [], "byCountry": []},
                       {"indicator": "from_a_newer_node", "available": True, "total": 5}]}
    assert verify(doc, space, url) == [{"indicator": "events_held", "available": True, "total": 1, "monthly": [],
                                        "byCountry": []}]
    with pytest.raises(Unverified, match=reason):
        verify(doc | change, space, url)


def test_a_period_counts_only_its_months() -> None:
    store = make_store()
    support_log.add(store, ENTRY | {"date": "2026-01-15"})
    support_log.add(store, ENTRY | {"date": "2026-03-02", "beneficiary_name": "Other"})

    def total(start, end):
        return by_key(own_figures(store, parse_period(start, end)))["companies_supported"]["total"]
    assert (total(None, None), total("2026-01", "2026-01"), total("2026-02", None), total("2026-04", "2026-01")) == (
        2, 1, 1, 0)
    with pytest.raises(InvalidInput) as refused:
        parse_period("2026-1", None)
    assert refused.value.field == "from"


async def test_an_admin_sets_a_target_and_the_page_shows_progress(node) -> None:
    add_member(node, "boss", role="admin")
    support_log.add(node.store, ENTRY)
    http = node.client()
    assert await login(http, "boss") == 303
    status, body, _ = await submit(http, "/admin/support", "/admin/indicators/targets",
                                   {"indicator": "companies_supported", "target": "-3"})
    assert status == 400 and "A target is a whole number, 0 or more." in body
    status, _body, location = await submit(http, "/admin/support", "/admin/indicators/targets",
                                           {"indicator": "companies_supported", "target": "4"})
    assert (status, location) == (303, "/admin/support")
    async with http.get("/indicators") as resp:
        page = await resp.text()
    assert '<progress max="4" value="1"' in page and "1 of 4 (25%)" in page


@pytest.mark.parametrize(("indicator", "value", "field"), [
    ("companies_supported", "9" * 5000, "target"), ("companies_supported", "-1", "target"),
    ("companies_supported", "٣", "target"), ("nonsense", "3", "indicator")])
def test_a_bad_target_is_refused_naming_the_field(indicator, value, field) -> None:
    with pytest.raises(InvalidInput) as refused:
        targets.set_target(make_store(), indicator, value)
    assert refused.value.field == field
