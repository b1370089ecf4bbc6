"""Names of the indicators and support kinds for people; `_` only marks them for the catalogues
(`make messages`), the page translates them in its language."""

from __future__ import annotations


def _(text: str) -> str:
    return text


INDICATOR_LABELS = {
    "members_registered": _("People registered"),
    "events_held": _("Events held"),
    "cross_border_events_held": _("Cross-border events held"),
    "participants": _("Participants in events held"),
    "companies_supported": _("Companies supported"),
    "new_companies_supported": _("New companies supported"),
    "people_reached_by_support": _("People reached by entrepreneurship support"),
    "support_actions": _("Support actions"),
    "partnerships_started": _("Partnerships started"),
    "cross_border_partnerships_started": _("Cross-border partnerships started"),
    "opportunities_posted": _("Opportunities posted"),
    "opportunities_filled": _("Opportunities filled"),
    "pass_visits": _("Network-pass visits"),
    "pass_hours_hosted": _("Network-pass hours hosted"),
}

SUPPORT_KINDS = {
    "business_creation": _("Business creation"),
    "development": _("Development"),
    "communication": _("Communication"),
    "financial_modelling": _("Financial modelling"),
    "public_funding": _("Public incentives and funding"),
    "cross_border_market": _("Market across the border"),
    "training": _("Training"),
    "other": _("Other"),
}
