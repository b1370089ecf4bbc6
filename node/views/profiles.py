"""`/@username` (a member's page) and `/me/edit` (a member edits their own profile)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from node import i18n
from node.appkeys import CONFIG, LANG, SKILLS, STORE, USER
from node.errors import CoffeeError, InvalidInput
from node.render import render
from node.services import fields as check
from node.services import local_actors, matching, media, profiles
from node.services import space as space_service
from node.services.skills import GENDERS, SkillHit, SkillIndex, resolve_form_input
from node.views.forms import form_list, form_map, form_text
from node.views.guards import login_required
from node.views.opportunities import for_you_cards

SKILL_FIELDS = ("skills_offered", "skills_sought")
PROFESSIONS = "professions"  # a picker like the skills', over ESCO occupations
PICKERS = (*SKILL_FIELDS, PROFESSIONS)


async def profile_page(request: web.Request) -> web.Response:
    """A hidden member (local to an anonymous reader) is a 404 like a missing one: no enumeration."""
    user, lang = request[USER], request[LANG]
    member = profiles.profile_for(request.app[STORE], request.match_info["username"], profiles.viewer_of(user))
    is_self = user is not None and user["id"] == member["id"]
    context = {
        "profile": profiles.public_profile(member, request.app[SKILLS], lang),
        "handle": f"@{member['username']}@{request.app[CONFIG].domain}",
        "visibility": member["visibility"],
        "is_self": is_self,
        "saved": is_self and request.query.get("saved") == "1",
        "matches": matching.matches_for_member(
            request.app[STORE], request.app[SKILLS], local_actors.member_id(request.app[CONFIG], member["username"]),
            lang=lang) if is_self else None,  # "who can help you", for the member's own eyes
        "for_you": for_you_cards(request, member) if is_self else None,
    }
    return render(request, "profile.html", context)


@login_required
async def edit_form(request: web.Request) -> web.Response:
    return _edit_page(request, request[USER], welcome=request.query.get("welcome") == "1")


@login_required
async def edit_submit(request: web.Request) -> web.Response:
    """All or nothing: any refused field (or picture) re-renders the form and stores nothing."""
    store, user, skills, lang = request.app[STORE], request[USER], request.app[SKILLS], request[LANG]
    media_dir = request.app[CONFIG].media_dir
    form = await request.post()
    fields = _profile_fields(form)
    candidates: dict[str, list[SkillHit]] = {}
    picker_errors: dict[str, InvalidInput] = {}
    for name in PICKERS:
        fields[name], candidates[name], picker_error = _picker(form, name, skills, lang)
        if picker_error is not None:
            picker_errors[name] = picker_error
    try:
        if picker_errors:  # each picker shows its own; the first one is also the page's summary
            raise next(iter(picker_errors.values()))
        upload = form.get("avatar")
        new_avatar = None
        if isinstance(upload, web.FileField) and upload.filename:
            data = upload.file.read(media.MAX_UPLOAD_BYTES + 1)
            new_avatar = await asyncio.to_thread(media.save_picture, media_dir, data, upload.content_type)
        profiles.update_profile(
            store, user["id"], fields, skills, media_dir=media_dir, new_avatar=new_avatar,
            remove_avatar="remove_avatar" in form, config=request.app[CONFIG],
        )
    except CoffeeError as exc:
        # Text typed in a picker that could not be resolved comes back, so the member can correct it.
        typed = {name: form_text(form, f"{name}_add") for name in picker_errors}
        return _edit_page(request, user | fields, error=exc, picker_errors=picker_errors, candidates=candidates,
                          typed=typed, status=exc.status)
    raise web.HTTPSeeOther(f"/@{user['username']}?saved=1")


def _picker(
    form: MultiMapping[Any], name: str, skills: SkillIndex, lang: str
) -> tuple[list[str], list[SkillHit], InvalidInput | None]:
    """The skill picker's no-JavaScript path, with errors naming the field."""
    chosen = form_list(form, name)
    try:
        uris, candidates, error = resolve_form_input(skills, chosen, form_text(form, f"{name}_add"), lang, name,
                                                     occupations=name == PROFESSIONS)
    except InvalidInput as exc:
        return chosen, [], InvalidInput(exc.template, field=name, **exc.params)
    if error is not None:
        error = InvalidInput(error.template, field=name, **error.params)
    return uris, candidates, error


def _profile_fields(form: MultiMapping[Any]) -> dict[str, Any]:
    """The form as `update_profile` takes it (the skill pickers are read separately)."""
    return {
        "display_name": form_text(form, "display_name"),
        "bio_map": form_map(form, "bio_map"),
        "organisation": form_text(form, "organisation"),
        "city": form_text(form, "city"),
        "country": form_text(form, "country"),
        "tags": [tag.strip() for tag in form_text(form, "tags").split(",")],
        "languages": form_list(form, "languages"),
        "open_to": form_list(form, "open_to"),
        "links": form_list(form, "links"),
        "visibility": form_text(form, "visibility"),
        "profession_gender": form_text(form, "profession_gender"),
    }


def _edit_page(
    request: web.Request,
    values: dict[str, Any],
    *,
    error: CoffeeError | None = None,
    picker_errors: dict[str, InvalidInput] | None = None,
    candidates: dict[str, list[SkillHit]] | None = None,
    typed: dict[str, str] | None = None,
    welcome: bool = False,
    status: int = 200,
) -> web.Response:
    lang, skills = request[LANG], request.app[SKILLS]
    gettext = i18n.translations(lang).gettext
    skill_errors = {name: exc.translated(gettext) for name, exc in (picker_errors or {}).items()}
    if error is not None and error.field in PICKERS:
        skill_errors.setdefault(error.field, error.translated(gettext))
    space_languages = space_service.get_space(request.app[STORE])["languages"]
    context = {
        "values": values,
        "bio_languages": list(dict.fromkeys([*space_languages, *values["bio_map"]])),
        "selected_skills": {
            name: [(uri, skills.label(uri, lang, values["profession_gender"])) for uri in values[name] if skills.get(uri)]
            for name in PICKERS
        },
        "genders": GENDERS,
        "candidates": candidates or {},
        "typed": typed or {},
        "skill_errors": skill_errors,
        "common_languages": check.COMMON_LANGUAGES,
        "other_languages": check.uncommon_languages(lang),
        "open_to": profiles.OPEN_TO,
        "visibilities": profiles.VISIBILITIES,
        "links": [*values["links"], *[""] * profiles.MAX_LINKS][: max(profiles.MAX_LINKS, len(values["links"]))],
        "error": error.translated(gettext) if error else None,
        "error_field": error.field if error else None,
        "welcome": welcome,
        "max_upload_mb": media.MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, "profile_edit.html", context, status=status)
