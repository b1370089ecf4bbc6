"""The one route table: every URL the node answers, in one place."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from node.views import activitypub, admin_members, auth, discovery, health, inbox, invitations, ops, skills
from node.views import api, directory, media, network, profiles, space
from node.views import calendars, events
from node.views import federation_admin, home_feed, notifications, remote_interaction
from node.views import catalogue
from node.views import indicators
from node.views import opportunities
from node.views.activitypub import negotiate

STATIC_DIR = Path(__file__).parent / "static"
EVENT = r"/events/{uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}}"
OPPORTUNITY = r"/opportunities/{uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}}"


def setup_routes(app: web.Application) -> None:
    app.router.add_routes(
        [
            # accounts
            web.get("/login", auth.login_form, name="login"),
            web.post("/login", auth.login_submit),
            web.post("/logout", auth.logout, name="logout"),
            web.get("/me/password", auth.password_form, name="password"),
            web.post("/me/password", auth.password_submit),
            web.get("/lang/{code}", auth.set_language, name="language"),
            web.get("/invite/{token}", invitations.invite_form, name="invitation"),
            web.post("/invite/{token}", invitations.invite_accept),
            # administration: people
            web.get("/admin", admin_members.dashboard, name="admin"),
            web.get("/admin/members", admin_members.members_list, name="admin_members"),
            web.post(r"/admin/members/{id:\d+}/{action:suspend|reactivate|make-admin|make-member}", admin_members.member_action),
            web.get(r"/admin/members/{id:\d+}/remove", admin_members.remove_confirm),
            web.post(r"/admin/members/{id:\d+}/remove", admin_members.remove_submit),
            web.get("/admin/invitations", admin_members.invitations_list, name="admin_invitations"),
            web.post("/admin/invitations", admin_members.invitation_create),
            web.post(r"/admin/invitations/{id:\d+}/renew", admin_members.invitation_renew),
            web.post(r"/admin/invitations/{id:\d+}/revoke", admin_members.invitation_revoke),
            # federation for people: the space's network page, a member's follows
            web.get("/admin/federation", federation_admin.page, name="admin_federation"),
            web.post("/admin/federation/follow", federation_admin.follow),
            web.post("/admin/federation/unfollow", federation_admin.unfollow),
            web.post("/admin/federation/answer", federation_admin.answer),
            web.post("/admin/federation/block", federation_admin.block),
            web.post("/admin/federation/unblock", federation_admin.unblock),
            web.get("/me/following", federation_admin.my_following, name="my_following"),
            web.get("/home", home_feed.home),
            web.post("/home/feed-link", home_feed.feed_link),
            web.get("/home.atom", home_feed.home_atom),
            web.post("/remote_follow", remote_interaction.remote_follow),
            # notifications, account e-mail, password reset
            web.get("/notifications", notifications.bell),
            web.get("/me/notifications", notifications.settings_page),
            web.post("/me/notifications", notifications.settings_save),
            web.post("/me/email", notifications.email_save),
            web.get("/me/email/confirm", notifications.email_confirm),
            web.get(r"/unsubscribe/{member_id}/{kind}/{token}", notifications.unsubscribe_page),
            web.post(r"/unsubscribe/{member_id}/{kind}/{token}", notifications.unsubscribe),
            web.get("/password/forgot", notifications.forgot_page),
            web.post("/password/forgot", notifications.forgot_submit),
            web.get("/password/reset", notifications.reset_page),
            web.post("/password/reset", notifications.reset_submit),
            web.get("/authorize_interaction", remote_interaction.authorize_interaction),
            web.post("/me/following", federation_admin.my_follow),
            web.post("/me/following/unfollow", federation_admin.my_unfollow),
            # federation: actors (content negotiation on the human URLs), collections, inboxes
            web.get("/", negotiate(space.home, activitypub.space_actor), name="home"),
            web.get("/@{username}", negotiate(profiles.profile_page, activitypub.member_actor), name="profile"),
            web.get("/actor", negotiate(activitypub.not_html, activitypub.application_actor), name="application_actor"),
            web.get("/space/outbox", activitypub.outbox),
            web.get("/space/followers", activitypub.followers),
            web.get("/space/following", activitypub.following),
            web.get("/space/members", activitypub.space_members),
            web.get("/@{username}/outbox", activitypub.outbox),
            web.get("/@{username}/followers", activitypub.followers),
            web.get("/@{username}/following", activitypub.following),
            web.post("/inbox", inbox.post_inbox, name="shared_inbox"),
            web.post("/space/inbox", inbox.post_inbox),
            web.post("/actor/inbox", inbox.post_inbox),
            web.post("/@{username}/inbox", inbox.post_inbox),
            web.get("/.well-known/webfinger", discovery.webfinger_view),
            web.get("/.well-known/host-meta", discovery.host_meta),
            web.get("/.well-known/nodeinfo", discovery.nodeinfo_links),
            web.get("/nodeinfo/2.1", discovery.nodeinfo_document),
            web.get("/api/skills", skills.search, name="api_skills"),  # JSON API: the skill picker
            # space and member profiles, directory, public JSON API, pictures
            web.get("/members", directory.members_page, name="members"),
            web.get("/me/edit", profiles.edit_form, name="profile_edit"),
            web.post("/me/edit", profiles.edit_submit),
            web.get("/admin/space", space.admin_form, name="admin_space"),
            web.get("/map", network.map_page, name="map"),
            web.get("/network", network.network_page, name="network"),
            web.get("/spaces.geojson", network.spaces_geojson, name="spaces_geojson"),
            web.post("/admin/space", space.admin_submit),
            web.post("/admin/space/pictures", space.pictures_submit),
            web.post(r"/admin/space/pictures/{picture_id:\d+}/delete", space.picture_delete),
            web.get("/api/space", api.space, name="api_space"),
            web.get("/api/members", api.members, name="api_members"),
            web.get("/api/openapi.json", api.openapi, name="api_openapi"),
            web.get(r"/media/{name}", media.serve, name="media"),
            # events: agendas, event pages (Event objects by content negotiation), calendars, JSON API
            web.get("/events", events.space_agenda, name="events"),
            web.get("/events.ics", calendars.space_ics),
            web.get("/events.atom", calendars.space_atom),
            web.get("/events/new", events.new_form, name="event_new"),
            web.post("/events/new", events.new_submit),
            web.get(EVENT + ".ics", calendars.event_ics),
            web.get(EVENT, negotiate(events.event_page, events.event_ap), name="event"),
            web.get(EVENT + "/edit", events.edit_form),
            web.post(EVENT + "/edit", events.edit_submit),
            web.post(EVENT + "/cancel", events.cancel),
            web.post(EVENT + "/delete", events.delete),
            web.post(EVENT + "/attend", events.attend),
            web.post(EVENT + "/leave", events.leave),
            web.post(EVENT + "/attendees", events.decide),
            web.get("/agenda", events.network_agenda, name="agenda"),
            web.get("/agenda.ics", calendars.network_ics),
            web.get("/me/events", events.my_events, name="my_events"),
            web.get("/me/events.ics", calendars.member_ics),
            web.post("/me/events/calendar-link", events.my_calendar_link),
            web.get("/api/events", events.api_events, name="api_events"),
            # opportunities: the board (Page objects by content negotiation), forms, answers, partnerships, API
            web.get("/opportunities", opportunities.board, name="opportunities"),
            web.get("/opportunities.atom", opportunities.board_atom),
            web.get("/opportunities/new", opportunities.new_form, name="opportunity_new"),
            web.post("/opportunities/new", opportunities.new_submit),
            web.get(OPPORTUNITY, negotiate(opportunities.page, opportunities.page_ap), name="opportunity"),
            web.get(OPPORTUNITY + "/edit", opportunities.edit_form),
            web.post(OPPORTUNITY + "/edit", opportunities.edit_submit),
            web.post(OPPORTUNITY + "/close", opportunities.close),
            web.post(OPPORTUNITY + "/answer", opportunities.answer),
            web.post(OPPORTUNITY + "/answers", opportunities.decide),
            web.post(r"/answers/{id:\d{1,12}}/reply", opportunities.reply),
            web.get("/me/opportunities", opportunities.my_opportunities, name="my_opportunities"),
            web.get("/me/partnerships", opportunities.my_partnerships, name="my_partnerships"),
            web.post(r"/me/partnerships/{uuid:[0-9a-f-]{36}}/end", opportunities.end_partnership),
            web.get("/api/opportunities", opportunities.api_opportunities, name="api_opportunities"),
            # the network catalogue: search, spaces, matching, its admin page and JSON API
            web.get("/catalogue", catalogue.catalogue_page, name="catalogue"),
            web.get("/spaces", catalogue.spaces_page, name="spaces"),
            web.post("/spaces/follow", catalogue.spaces_follow),
            web.get("/admin/catalogue", catalogue.admin_page, name="admin_catalogue"),
            web.post("/admin/catalogue/refresh", catalogue.admin_refresh),
            web.get("/api/catalogue", catalogue.api_catalogue, name="api_catalogue"),
            web.get("/api/matches/{username}", catalogue.api_matches, name="api_matches"),
            # indicators: published documents, public aggregates, page, exports; the admins' support log
            web.get("/space/indicators", indicators.published, name="indicators_document"),
            web.get(r"/space/indicators/{month:\d{4}-\d{2}}", indicators.published),
            web.get("/api/indicators", indicators.api_indicators, name="api_indicators"),
            web.get("/indicators", indicators.page, name="indicators"),
            web.get("/indicators.csv", indicators.export_csv),
            web.get("/indicators.xlsx", indicators.export_xlsx),
            web.get("/indicators/report", indicators.report),
            web.get("/admin/support", indicators.support_page, name="admin_support"),
            web.post("/admin/support", indicators.support_add),
            web.post("/admin/support/import", indicators.support_import),
            web.post("/admin/indicators/targets", indicators.target_set),
            # operations
            web.get("/healthz", health.healthz, name="healthz"),
            web.get("/metrics", ops.metrics, name="metrics"),
        ]
    )
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=False)
