"""The one route table: every URL the node answers, in one place."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from node.views import activitypub, admin_members, auth, discovery, health, inbox, invitations, ops, skills
from node.views.activitypub import negotiate

STATIC_DIR = Path(__file__).parent / "static"


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
            # federation: actors (content negotiation on the human URLs), collections, inboxes
            web.get("/", negotiate(activitypub.not_html, activitypub.space_actor), name="home"),
            web.get("/@{username}", negotiate(activitypub.not_html, activitypub.member_actor), name="profile"),
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
            # operations
            web.get("/healthz", health.healthz, name="healthz"),
            web.get("/metrics", ops.metrics, name="metrics"),
        ]
    )
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=False)
