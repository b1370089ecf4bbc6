"""The JSON API against its own OpenAPI description, by a fuzzer (schemathesis), on a real node.

Schemathesis reads `/api/openapi.json` and sends generated requests: valid ones must be accepted,
invalid ones refused with a 4xx, and every answer must match the description (status codes,
content types, schemas, `Allow` on 405), never a 5xx. The run is bounded (a fixed seed, a fixed
number of examples per operation), so it is repeatable and takes seconds.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from node.services import catalogue
from node.services import events as ev
from node.services import opportunities as op
from node.services.skills import load_skill_index
from tests.profiles_web import GRAPHIC_DESIGN, member_with_profile
from tests.test_events import values
from tests.test_standards import in_two_weeks

SEED = 20261204
EXAMPLES = 20  # per operation in the fuzzing phase; with the coverage phase ~1,300 requests, ~10 s on 2 cores
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
          "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance", "unsupported_method",
          "allow_header_conformance", "missing_required_header")
OFF = ("use_after_free", "ensure_resource_availability", "ignored_auth", "object_level_authorization")  # no auth, no writes

# `skill` is resolved against ESCO, and the description says a value naming no concept is refused: the
# fuzzer draws it from real labels and URIs. The coverage phase ignores dictionaries (it sends boundary
# strings such as 500 zeros, rightly refused), so it does not judge acceptance; the fuzzing phase does.
# (Checks are chosen here, not with `--checks`, which would override the per-phase setting.)
CONFIG = "\n".join([
    "[parameters]",
    '"path.username" = "paula"',
    '"query.skill" = { dictionary = "skills" }',
    "[dictionaries.skills]",
    f'values = ["graphic design", "conception graphique", "grafisch ontwerp", "GRAFISCH ONTWERP", "{GRAPHIC_DESIGN}"]',
    *(f"[checks.{name}]\nenabled = {'true' if name in CHECKS else 'false'}" for name in CHECKS + OFF),
    "[phases.coverage.checks.positive_data_acceptance]",
    "enabled = false",
])


async def test_the_api_keeps_to_its_openapi_description(node, tmp_path: Path) -> None:
    paula = member_with_profile(node, "paula", display_name="Paula", visibility="public", skills_sought=[GRAPHIC_DESIGN],
                                languages=["fr", "nl"], open_to=["missions"])
    emile = member_with_profile(node, "emile", display_name="Émile", visibility="public", skills_offered=[GRAPHIC_DESIGN],
                                languages=["nl"], tags=["risographie"])
    for member in (paula, emile):
        catalogue.index_local_member(node.store, node.config, member)
    ev.create_event(node.store, node.config, values(**in_two_weeks(), category="NETWORKING", languages=["fr"]),
                    by=None)
    op.create(node.store, node.config, {"kind": "mission", "title": {"fr": "Affiche"}, "skills": [GRAPHIC_DESIGN],
                                        "languages": ["nl"], "jurisdiction": "BE-WAL", "pay_amount": 300,
                                        "pay_currency": "EUR", "pay_period": "day"}, load_skill_index(), by=emile)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    # A subprocess, so the node keeps serving on this event loop while the fuzzer waits for answers.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", f"{node.url}/api/openapi.json",
        "--seed", str(SEED), "--max-examples", str(EXAMPLES), "--workers", "1",
        "--continue-on-failure", "--no-color", "--output-truncate", "false", "--report-dir", str(tmp_path / "report"),
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=300)
    report = output.decode("utf-8", "replace")
    assert process.returncode == 0, report
    generated, passed = map(int, re.search(r"(\d+) generated, (\d+) passed", report).groups())
    assert "7 selected / 7 total" in report and generated == passed > 500, report
    assert "WARNINGS" not in report, report  # e.g. an operation that only ever answered 404: not really tested
