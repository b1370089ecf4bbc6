"""Opportunities and partnerships as ActivityStreams objects, both ways; pure functions, no I/O.

An opportunity is a `Page` (Mastodon, Lemmy and Fedify show a Page as a post with its `name`,
`summary`, `content` and `url`; skills also travel as `Hashtag`s) carrying schema.org
`JobPosting` terms for the structure (`skills` as ESCO IRIs, `employmentType`, `baseSalary`,
`validThrough`, `jobLocationType`, `jobStartDate`, `hiringOrganization`) and a few `coffee:`
terms schema.org lacks (`opportunityKind`, `opportunityStatus`, `jurisdiction`,
`requiredLanguages`, `workDuration`). `schemas/opportunity.md` explains the choice and the mapping.
A partnership is a `coffee:Partnership` object, proposed with `Offer` and recorded with `Accept`.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Mapping
from urllib.parse import quote

from federation.documents import omit_empty
from federation.jsonld import COFFEE_CONTEXT, PUBLIC
from node.services.actor_documents import paragraphs
from node.services.event_documents import _first_str, _language_map, _list, _plain, _ref
from node.services.skills import SkillIndex

CONTEXT = COFFEE_CONTEXT
KIND_LABELS = {"job": "Job", "internship": "Internship", "mission": "Mission", "request": "Request for help",
               "offer": "Offer of help"}  # the English summary line; pages translate their own
PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})
_NOT_TAG = re.compile(r"[^\w]+")


def _utc(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _main(names: Mapping[str, str], languages: list[str]) -> str:
    return next((lang for lang in languages if lang in names), next(iter(names)))


def hashtag(label: str) -> str:
    """'web design' → '#WebDesign': one word, as Mastodon links it."""
    return "#" + "".join(part[:1].upper() + part[1:] for part in _NOT_TAG.split(label) if part)


def to_ap(found: Mapping[str, Any], skills: SkillIndex) -> dict[str, Any]:
    """Our Page document for a local opportunity (a row of `node.storage.opportunities`)."""
    main = _main(found["name_map"], found["languages"])
    base = found["ap_id"].rsplit("/opportunities/", 1)[0]
    labels = [skills.label(uri, main) for uri in found["skills"]]
    tags = [{"type": "Hashtag", "name": hashtag(label), "href": f"{base}/opportunities?skill={quote(uri, safe='')}"}
            for uri, label in zip(found["skills"], labels)]
    summary = " · ".join(part for part in (KIND_LABELS[found["kind"]], ", ".join(labels),
                                            found["city"] or ("remote" if found["place_kind"] == "remote" else ""),
                                            f"until {found['expires_at'][:10]}") if part)
    hashtags = " ".join(f'<a href="{tag["href"]}" class="mention hashtag" rel="tag">{tag["name"]}</a>' for tag in tags)
    contents = {lang: paragraphs(text) + (f"<p>{hashtags}</p>" if hashtags else "")
                for lang, text in ({main: ""} | found["content_map"]).items()}
    contents = {lang: html for lang, html in contents.items() if html}
    followers = f"{base}/space/followers"
    public = found["visibility"] == "public"
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": found["ap_id"], "type": "Page", "url": found["url"],
        "attributedTo": found["poster_id"], "hiringOrganization": found["space_id"],
        "to": [PUBLIC] if public else [followers], "cc": [followers] if public else [],
        "name": found["name_map"][main], "nameMap": found["name_map"],
        "summary": summary, "content": contents.get(main, ""), "contentMap": contents, "mediaType": "text/html",
        "tag": tags,
        "opportunityKind": found["kind"], "opportunityStatus": found["status"], "skills": found["skills"],
        "requiredLanguages": found["languages"], "jurisdiction": found["jurisdiction"],
        "jobLocationType": "TELECOMMUTE" if found["place_kind"] == "remote" else "",
        "location": {"type": "Place", "name": found["place_name"] or found["city"],
                     "address": omit_empty({"type": "PostalAddress", "addressLocality": found["city"],
                                            "addressCountry": found["country"]})}
                    if found["place_kind"] != "remote" and (found["city"] or found["country"]) else None,
        "jobStartDate": found["starts_on"], "workDuration": found["duration"], "employmentType": found["contract"],
        "baseSalary": {"type": "MonetaryAmount", "value": found["pay_amount"], "currency": found["pay_currency"],
                       "unitText": found["pay_period"]} if found["pay_amount"] is not None else None,
        "validThrough": _utc(found["expires_at"]), "country": found["country_of_space"],
        "visibility": found["visibility"],
        "published": _utc(found["published_at"]), "updated": _utc(found["updated_at"]),
    }
    return omit_empty({key: value for key, value in doc.items() if value is not None})


def is_opportunity(doc: Mapping[str, Any]) -> bool:
    return doc.get("type") == "Page" and isinstance(doc.get("opportunityKind"), str)


def from_ap(doc: Mapping[str, Any], *, default_language: str) -> dict[str, Any]:
    """A peer's (normalised) Page read defensively into the values `opportunities.clean` takes,
    plus what only the origin says (status, poster, space)."""
    place = doc.get("location") if isinstance(doc.get("location"), dict) else {}
    address = place.get("address") if isinstance(place.get("address"), dict) else {}  # type: ignore[union-attr]
    salary = doc.get("baseSalary") if isinstance(doc.get("baseSalary"), dict) else None
    remote = _first_str(doc.get("jobLocationType")) == "TELECOMMUTE"
    audience = [*_list(doc.get("to")), *_list(doc.get("cc"))]
    names = {lang: _plain(text) for lang, text in _language_map(doc, "name", default_language).items()}
    return {
        "id": doc.get("id"), "url": _ref(doc.get("url")) or doc.get("id"),
        "kind": _first_str(doc.get("opportunityKind")),
        "title": {lang: text[:200] for lang, text in names.items() if text},
        "description": _language_map(doc, "content", default_language),
        "skills": [uri for uri in _list(doc.get("skills")) if isinstance(uri, str)][:20],
        "languages": [lang for lang in _list(doc.get("requiredLanguages")) if isinstance(lang, str)][:10],
        "place_kind": "remote" if remote else ("address" if place else "network_space"),
        "place_name": _plain(_first_str(place.get("name")) or "")[:200],  # type: ignore[union-attr]
        "city": _plain(_first_str(address.get("addressLocality")) or "")[:100],  # type: ignore[union-attr]
        "country": (_first_str(address.get("addressCountry")) or "")[:2].upper(),  # type: ignore[union-attr]
        "jurisdiction": _first_str(doc.get("jurisdiction")) or "",
        "starts_on": (_first_str(doc.get("jobStartDate")) or "")[:10],
        "duration": _plain(_first_str(doc.get("workDuration")) or "")[:100],
        "contract": _first_str(doc.get("employmentType")) or "",
        "pay_amount": salary.get("value") if salary else None,
        "pay_currency": _first_str(salary.get("currency")) if salary else "",
        "pay_period": _first_str(salary.get("unitText")) if salary else "",
        "expires": _first_str(doc.get("validThrough")),
        "status": _first_str(doc.get("opportunityStatus")) or "open",
        "visibility": "public" if any(item in PUBLIC_FORMS for item in audience) else "network",
        "poster_id": _ref(doc.get("attributedTo")), "space_id": _ref(doc.get("hiringOrganization")),
        "country_of_space": (_first_str(doc.get("country")) or "")[:2].upper(),
        "published": _first_str(doc.get("published")),
    }


def partnership_to_ap(partnership: Mapping[str, Any], answer_note: str | None = None) -> dict[str, Any]:
    """The Partnership object an Offer proposes; `inReplyTo` names the answer it came from."""
    return omit_empty({
        "id": partnership["ap_id"], "type": "Partnership", "attributedTo": partnership["proposer_id"],
        "partners": [partnership["proposer_id"], partnership["partner_id"]],
        "partnershipKind": partnership["kind"], "fromOpportunity": partnership["opportunity_ap_id"],
        "inReplyTo": answer_note or "", "published": _utc(partnership["created_at"]),
    })
