"""What every page's form shares: the French sentence of a refused value, naming the fields
the person typed in (by their labels on the page), never the schema's English."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from fleetbase.errors import InvalidInput


def refusal(error: ValidationError, labels: Mapping[str, str]) -> InvalidInput:
    """« Vérifiez le champ « Téléphone », « Courriel » : la valeur saisie n'est pas acceptée. »
    `labels`: field name → its label on the page; the innermost named field of each problem."""
    names = []
    for problem in error.errors():
        for part in reversed(problem.get("loc", ())):
            if isinstance(part, str) and part in labels:
                names.append(labels[part])
                break
    fields = ", ".join(f"« {name} »" for name in dict.fromkeys(names)) or "du formulaire"
    return InvalidInput(f"Vérifiez le champ {fields} : la valeur saisie n'est pas acceptée.")
