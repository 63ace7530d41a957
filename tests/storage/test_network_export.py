"""`kansli export nätverk` writes every forum rule `kansli import` reads, so a round trip keeps them."""
from __future__ import annotations

import copy

import yaml
from sqlalchemy.orm import Session, sessionmaker

from storage.network import apply
from storage.network_export import network_data
from tests.conftest import EXAMPLE, at

STANDING = ["Mötets öppnande", "Godkännande av dagordning", "Föregående minnesanteckningar",
            "Rapporter och delgivningar", "Rapporter från representanter i nationella nätverk"]


def test_standing_items_extension_forums_and_substitute_rules_are_exported(db: sessionmaker[Session]) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    lchnv = next(f for f in data["forums"] if f["id"] == "lchnv")
    lchnv["rules"].update(standing_items=STANDING, substitutes=True, substitutes_other_organisation=True)
    with db() as s:
        apply(s, copy.deepcopy(data), now=at("2020-02-01T09:00"))
        s.flush()
        rules = next(f for f in network_data(s)["forums"] if f["id"] == "lchnv")["rules"]
        assert rules["standing_items"] == STANDING
        assert rules["extensions_by"] == ["styrgrupp-lchnv"]
        assert rules["substitutes"] is True and rules["substitutes_other_organisation"] is True
        # and the exported file read back changes nothing
        assert not apply(s, network_data(s), now=at("2020-02-01T09:00")).changed
