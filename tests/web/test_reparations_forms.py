"""Amounts typed on the repair pages: euros as people write them, in cents; anything else
refused with a French sentence."""

from __future__ import annotations

import pytest

from fleet_api.web.repairs import forms
from fleetbase.errors import InvalidInput


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("120", 12000),
        ("120,5", 12050),
        ("120.50", 12050),
        ("1 250,00 €", 125000),
        ("1\u202f250,00\xa0€", 125000),
        ("0,07", 7),
        ("", None),
        ("   ", None),
    ],
)
def test_euros_as_typed_become_cents(typed, cents):
    assert forms.cents(typed, label="Devis") == cents


@pytest.mark.parametrize("typed", ["deux cents", "12,345", "-5", "1e3", "12,3,4"])
def test_what_is_not_an_amount_is_refused_in_french(typed):
    with pytest.raises(InvalidInput, match="^Devis : écrivez un montant en euros, par exemple 120,50.$"):
        forms.cents(typed, label="Devis")


def test_a_part_is_read_with_the_apis_own_rules():
    assert forms.part(" Plaquettes ", "2", "18,90") == {"name": "Plaquettes", "quantity": 2, "unit_price_cents": 1890}
    assert forms.part("Câble", "", "") == {"name": "Câble", "quantity": 1, "unit_price_cents": None}
    with pytest.raises(InvalidInput, match="« Quantité »"):
        forms.part("Câble", "0", "")
    with pytest.raises(InvalidInput, match="« Pièce »"):
        forms.part("  ", "1", "")
