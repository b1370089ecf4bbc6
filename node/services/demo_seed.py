"""Content for the local demo network: five real spaces' cities, members with ESCO skills.

Addresses are each city's central square (real places and coordinates), not the
spaces' own street addresses; members and their bios are invented examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from node.config import Config
from node.services import events as events_service
from node.services.indicators import targets as indicator_targets
from node.services import members as members_service
from node.services import space as space_service
from node.services.skills import SkillIndex
from node.storage import events as events_store
from node.storage import members as members_store
from node.storage import notifications as notifications_store
from node.storage.db import Store


@dataclass(frozen=True)
class DemoMember:
    username: str
    name: str
    city: str
    organisation: str
    languages: tuple[str, ...]
    offers: tuple[str, ...]          # ESCO labels (English), resolved to concept URIs
    seeks: tuple[str, ...]
    open_to: tuple[str, ...]
    visibility: str
    bio: dict[str, str]


@dataclass(frozen=True)
class DemoSpace:
    slug: str
    name: str
    country: str
    city: str
    region: str
    street: str
    postal_code: str
    latitude: float
    longitude: float
    kind: str
    languages: tuple[str, ...]
    description: dict[str, str]
    members: tuple[DemoMember, ...] = field(default_factory=tuple)


def _m(username: str, name: str, city: str, org: str, langs: str, offers: str, seeks: str, open_to: str,
       visibility: str, fr: str, nl: str, en: str) -> DemoMember:
    split = lambda text: tuple(x.strip() for x in text.split(";") if x.strip())  # noqa: E731
    return DemoMember(username, name, city, org, split(langs), split(offers), split(seeks), split(open_to),
                      visibility, {"fr": fr, "nl": nl, "en": en})


SPACES: tuple[DemoSpace, ...] = (
    DemoSpace("mutualab", "Mutualab", "FR", "Lille", "Hauts-de-France", "Place du Général de Gaulle", "59000",
              50.6366, 3.0635, "coworking", ("fr", "en", "nl"),
              {"fr": "Espace de coworking coopératif au cœur de Lille.", "nl": "Coöperatieve coworkingruimte in het hart van Rijsel.",
               "en": "A cooperative coworking space in the heart of Lille."},
              (_m("camille", "Camille Lefebvre", "Lille", "Studio Lumen", "fr;en", "web programming;graphic design", "search engine optimisation", "missions;collaborations", "public",
                  "Développeuse web indépendante, j'aime les sites sobres et accessibles.", "Freelance webontwikkelaar, houdt van sobere en toegankelijke sites.", "Freelance web developer who likes lean, accessible sites."),
               _m("yanis", "Yanis Benali", "Roubaix", "Benali Conseil", "fr;nl", "use spreadsheets software;French", "web programming", "missions;mentoring", "network",
                  "Conseil en gestion pour les petites entreprises des deux côtés de la frontière.", "Managementadvies voor kleine bedrijven aan beide kanten van de grens.", "Management advice for small businesses on both sides of the border."),
               _m("louise", "Louise Martin", "Lille", "", "fr", "social media management", "Dutch", "jobs;internships", "local",
                  "Community manager en reconversion.", "Communitymanager in omscholing.", "Community manager changing careers."))),
    DemoSpace("escotournai", "ESCO Tournai", "BE", "Tournai", "Wallonie", "Grand-Place", "7500",
              50.6060, 3.3878, "coworking", ("fr", "nl", "en"),
              {"fr": "Le coworking de Tournai, à dix minutes de la frontière.", "nl": "De coworking van Doornik, tien minuten van de grens.",
               "en": "Tournai's coworking space, ten minutes from the border."},
              (_m("bram", "Bram Peeters", "Tournai", "Peeters & co", "nl;fr;en", "Dutch;French", "graphic design", "missions;collaborations", "public",
                  "Traducteur néerlandais-français, spécialisé dans les textes juridiques.", "Vertaler Nederlands-Frans, gespecialiseerd in juridische teksten.", "Dutch-French translator specialising in legal texts."),
               _m("ines", "Inès Dupont", "Tournai", "Atelier Dupont", "fr", "graphic design;adapt to change", "social media management", "missions", "network",
                  "Graphiste, identités visuelles pour associations et PME.", "Grafisch ontwerper, huisstijlen voor verenigingen en kmo's.", "Graphic designer: visual identities for non-profits and SMEs."))),
    DemoSpace("connexion", "Co-nnexion", "BE", "Mons", "Wallonie", "Grand-Place", "7000",
              50.4542, 3.9523, "coworking", ("fr", "en"),
              {"fr": "Espace de travail partagé et d'événements à Mons.", "nl": "Gedeelde werk- en evenementenruimte in Bergen.",
               "en": "Shared workspace and event venue in Mons."},
              (_m("sofia", "Sofia Rossi", "Mons", "DataMons", "fr;en;it", "Python (computer programming);data mining", "use spreadsheets software", "jobs;collaborations", "public",
                  "Data scientist, j'aide les PME à exploiter leurs données.", "Datawetenschapper, ik help kmo's hun gegevens te benutten.", "Data scientist helping SMEs make use of their data."),
               _m("thomas", "Thomas Lambert", "Mons", "", "fr;nl", "search engine optimisation;web programming", "Python (computer programming)", "missions;internships", "network",
                  "Référenceur et développeur web.", "SEO-specialist en webontwikkelaar.", "SEO specialist and web developer."))),
    DemoSpace("switch", "Switch Coworking", "BE", "Charleroi", "Wallonie", "Place Charles II", "6000",
              50.4114, 4.4445, "coworking", ("fr", "en"),
              {"fr": "Coworking et incubateur au centre de Charleroi.", "nl": "Coworking en incubator in het centrum van Charleroi.",
               "en": "Coworking space and incubator in central Charleroi."},
              (_m("nadia", "Nadia El Amrani", "Charleroi", "Switch Lab", "fr;en;ar", "graphic design;social media management", "French", "collaborations;mentoring", "public",
                  "Designer UX et animatrice d'ateliers.", "UX-ontwerper en workshopbegeleider.", "UX designer and workshop facilitator."),)),
    DemoSpace("coworkfactory", "The Cowork Factory", "BE", "La Louvière", "Wallonie", "Place Communale", "7100",
              50.4794, 4.1870, "coworking", ("fr", "nl", "en"),
              {"fr": "Ancienne usine devenue lieu de travail partagé.", "nl": "Voormalige fabriek, nu een gedeelde werkplek.",
               "en": "A former factory turned shared workplace."},
              (_m("lucas", "Lucas Vermeulen", "La Louvière", "Vermeulen Makers", "nl;fr;en", "use spreadsheets software;Python (computer programming)", "Dutch", "missions;jobs", "public",
                  "Ingénieur, je construis des outils de gestion sur mesure.", "Ingenieur, ik bouw beheertools op maat.", "Engineer building custom management tools."),)),
)


def admin_password(space: DemoSpace) -> str:
    """A demo-only password, printed in the demo's table (never use demo data in production)."""
    return f"demo-{space.slug}-coffee"


def _uris(index: SkillIndex, labels: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for label in labels:
        candidates = sorted(index.resolve(label))
        if candidates:
            found.append(candidates[0])
    return found


def seed(store: Store, config: Config, space: DemoSpace, index: SkillIndex) -> list[dict[str, Any]]:
    """Fill a new node: the space's profile, an admin, its members. Returns the members."""
    space_service.update_space(store, {
        "description_map": space.description, "street": space.street, "postal_code": space.postal_code,
        "city": space.city, "region": space.region, "latitude": space.latitude, "longitude": space.longitude,
        "kind": space.kind, "languages": list(space.languages), "price_hour": 4.0, "price_day": 20.0,
        "price_month": 220.0, "welcomes_network": True,
    })
    members_service.create_member(store, username="manager", display_name=f"{space.name} manager", role="admin",
                                  status="active", password=admin_password(space))
    created = []
    for person in space.members:
        profile = {"bio_map": person.bio, "organisation": person.organisation, "city": person.city,
                   "languages": list(person.languages), "open_to": list(person.open_to),
                   "skills_offered": _uris(index, person.offers), "skills_sought": _uris(index, person.seeks),
                   "visibility": person.visibility}
        created.append(members_service.create_member(
            store, username=person.username, display_name=person.name, status="active",
            password=dict(member_logins(space))[person.username], profile=profile, skills=index))
    indicator_targets.set_coffee_targets(store)
    return created


def seed_emails(store: Store, space: DemoSpace) -> None:
    """Confirmed demo addresses, so notifications go out by e-mail to the demo's mail catcher."""
    for username in ["manager", *(person.username for person in space.members)]:
        member = members_store.get_by_username(store, username)
        if member is not None:
            notifications_store.set_email(store, member["id"], f"{username}@{space.slug}.demo.coffee.test", confirmed=True)


EVENT_TITLES: dict[str, dict[str, str]] = {
    "mutualab": {"fr": "Rencontres improbables transfrontalières", "nl": "Onwaarschijnlijke grensoverschrijdende ontmoetingen",
                 "en": "Improbable cross-border encounters"},
    "escotournai": {"fr": "Atelier : facturer un client belge ou français", "nl": "Workshop: factureren aan een Belgische of Franse klant",
                    "en": "Workshop: invoicing a Belgian or French client"},
    "connexion": {"fr": "Apéro data & IA", "nl": "Data- en AI-borrel", "en": "Data & AI drinks"},
    "switch": {"fr": "Matinale des indépendants", "nl": "Ontbijt voor zelfstandigen", "en": "Freelancers' breakfast"},
    "coworkfactory": {"fr": "Repair café numérique", "nl": "Digitaal repaircafé", "en": "Digital repair café"},
}


EVENT_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "mutualab": {"fr": "Une soirée à Tournai pour rencontrer les indépendants des deux côtés de la frontière : "
                       "chacun présente en deux minutes ce qu'il sait faire et ce qu'il cherche.",
                 "nl": "Een avond in Doornik om zelfstandigen van beide kanten van de grens te ontmoeten: "
                       "iedereen vertelt in twee minuten wat hij kan en wat hij zoekt.",
                 "en": "An evening in Tournai to meet freelancers from both sides of the border: everyone says "
                       "in two minutes what they can do and what they are looking for."},
    "escotournai": {"fr": "TVA, mentions obligatoires, délais de paiement : ce qui change quand votre client est "
                          "de l'autre côté de la frontière. Apportez vos questions.",
                    "nl": "Btw, verplichte vermeldingen, betaaltermijnen: wat verandert er als uw klant aan de "
                          "andere kant van de grens zit? Breng uw vragen mee.",
                    "en": "VAT, mandatory mentions, payment terms: what changes when your client is on the other "
                          "side of the border. Bring your questions."},
    "connexion": {"fr": "Trois courtes démonstrations de projets de données et d'IA menés par des membres, puis un "
                        "verre pour en parler.",
                  "nl": "Drie korte demo's van data- en AI-projecten van leden, daarna een drankje om erover te praten.",
                  "en": "Three short demos of data and AI projects by members, then drinks to talk about them."},
    "switch": {"fr": "Café, croissants et un tour de table des indépendants de Charleroi avant de commencer la journée.",
               "nl": "Koffie, croissants en een voorstellingsronde van de zelfstandigen van Charleroi voor de werkdag begint.",
               "en": "Coffee, croissants and a round of introductions among Charleroi's freelancers before the working day."},
    "coworkfactory": {"fr": "Un ordinateur lent, un téléphone qui ne charge plus ? Les membres vous aident à le réparer "
                            "plutôt qu'à le remplacer.",
                      "nl": "Een trage computer, een telefoon die niet meer oplaadt? De leden helpen u hem te herstellen "
                            "in plaats van te vervangen.",
                      "en": "A slow computer, a phone that no longer charges? Members help you repair it instead of "
                            "replacing it."},
}


def member_logins(space: DemoSpace) -> list[tuple[str, str]]:
    """(username, password) of the space's demo members (the admin's is `admin_password`)."""
    return [(person.username, f"demo-{person.username}-coffee") for person in space.members]


def member_counts(store: Store) -> tuple[int, int]:
    """(members, of whom on the network): the active people of a demo node, its manager not counted."""
    everyone = members_store.count(store, "status = 'active' AND username != 'manager'")
    return everyone, len([row for row in federated(store) if row["username"] != "manager"])


def seed_events(store: Store, config: Config, space: DemoSpace, today: date) -> int:
    """One upcoming event per space, created once the spaces follow each other so followers get it.

    Mutualab's is held in Tournai: organiser in France, place in Belgium, hence cross-border.
    """
    if events_store.count(store, "origin = 'local'"):
        return 0
    start = datetime.combine(today + timedelta(days=14 + len(space.slug) % 7), time(18, 0))
    values: dict[str, Any] = {
        "name": EVENT_TITLES[space.slug],
        "description": EVENT_DESCRIPTIONS[space.slug],
        "timezone": "Europe/Paris" if space.country == "FR" else "Europe/Brussels",
        "start": start.isoformat(timespec="minutes"), "end": (start + timedelta(hours=2)).isoformat(timespec="minutes"),
        "category": "NETWORKING" if space.slug in ("mutualab", "connexion", "switch") else "WORKSHOPS_SKILL_SHARING",
        "languages": list(space.languages[:2]), "capacity": 30, "registration": "open",
    }
    if space.slug == "mutualab":
        values |= {"place_kind": "address", "place_name": "ESCO Tournai", "street": "Grand-Place", "postal_code": "7500",
                   "city": "Tournai", "country": "BE", "latitude": 50.6060, "longitude": 3.3878}
    events_service.create_event(store, config, values, by=None)
    return 1


def federated(store: Store) -> list[dict[str, Any]]:
    return members_store.select(store, "status = 'active' AND visibility IN ('public', 'network')")
