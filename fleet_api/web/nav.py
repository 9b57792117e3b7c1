"""Where each role lands after signing in, and the links of its menu.

A link appears only for the roles its page admits (the same `roles` the page's handler
checks), so a role never sees a link it cannot follow; `tests/web/test_sign_in.py`
follows every link of every role.
"""

from __future__ import annotations

from dataclasses import dataclass

from fleet_api.authz import Role

ROLE_TITLES = {
    Role.ADMIN: "administrateur·rice",
    Role.FLEET_MANAGER: "responsable de parc",
    Role.COORDINATOR: "conseiller·ère mobilité",
    Role.MECHANIC: "mécanicien·ne",
    Role.GARAGE_PARTNER: "garage solidaire",
    Role.PRESCRIBER: "prescripteur·rice",
}
FLEET_WATCHERS = frozenset({Role.ADMIN, Role.FLEET_MANAGER})
# The roles the product's rules raise alerts for (the administrator sees every role's).
ALERTED = frozenset({Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR, Role.MECHANIC})


@dataclass(frozen=True)
class Link:
    label: str
    path: str
    roles: frozenset[Role]


# In menu order; a role's first link is where it lands.
LINKS = (
    Link("Mes demandes", "/demandes", frozenset({Role.PRESCRIBER})),
    Link("Carte de la flotte", "/carte", FLEET_WATCHERS),
    Link("Santé des balises", "/balises", FLEET_WATCHERS),
    Link("Demandes à traiter", "/demandes-a-traiter", frozenset({Role.COORDINATOR, Role.ADMIN})),
    Link("Planning", "/planning", frozenset({Role.COORDINATOR, Role.FLEET_MANAGER, Role.ADMIN})),
    Link("Aujourd'hui au dépôt", "/depot", frozenset({Role.COORDINATOR, Role.ADMIN})),
    Link("Participants", "/participants", frozenset({Role.COORDINATOR, Role.ADMIN, Role.PRESCRIBER})),
    Link("Rapport d'activité", "/rapport", frozenset({Role.COORDINATOR, Role.FLEET_MANAGER, Role.ADMIN})),
    Link("Entretien", "/entretien", frozenset({Role.MECHANIC, Role.FLEET_MANAGER, Role.ADMIN})),
    Link(
        "Réparations", "/reparations", frozenset({Role.GARAGE_PARTNER, Role.MECHANIC, Role.FLEET_MANAGER, Role.ADMIN})
    ),
    Link("Utilisateurs", "/utilisateurs", frozenset({Role.ADMIN})),
    Link("Véhicules et balises", "/parc", FLEET_WATCHERS),
    Link("Alertes", "/alertes", ALERTED),
    Link("Zones", "/zones", FLEET_WATCHERS),
    Link("Réglages", "/reglages", FLEET_WATCHERS),
    Link("Journal d'audit", "/journal", frozenset({Role.ADMIN})),
)


def links_for(role: Role) -> list[Link]:
    return [link for link in LINKS if role in link.roles]


def landing_path(role: Role) -> str:
    """The first page of the role's menu."""
    return links_for(role)[0].path
