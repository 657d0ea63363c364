"""A partner directory with the addresses partners really write, and where each record is.

Records are drawn (seeded) from real communes of the two tables the project ships: the
gazetteer (La Poste labels, postal codes, centres) and the Code officiel géographique (official
names, former communes of communes nouvelles). Each record's dirt belongs to one class below;
its expected INSEE code is the commune it was drawn from (a former commune: the commune it now
belongs to), never something computed by the code under test.
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from catalogue.geography import _table
from catalogue.geography.names import official_tables


@dataclass
class Dirty:
    dirt: str
    expected: str
    row: dict = field(default_factory=dict)


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _shout(name: str, rng: random.Random) -> str:
    """ "Saint-Symphorien-sur-Couze" as partners type it: capitals, no accents, abbreviations."""
    words = _plain(name).upper().replace("-", " ").replace("'", rng.choice([" ", "'"])).split()
    out = []
    for word in words:
        if word in ("SAINT", "SAINTE"):
            word = {"SAINT": "ST", "SAINTE": "STE"}[word] if rng.random() < 0.8 else word
        elif word == "SUR":
            word = rng.choice(["S/", "SUR", "/S"])
        elif word == "SOUS":
            word = rng.choice(["S/S", "SOUS"])
        out.append(word)
    text = " ".join(out).replace(" /S ", "/S ")
    return text if rng.random() < 0.7 else text.title()


class _Tables:
    def __init__(self) -> None:
        self.t = _table()
        tables = official_tables()
        self.current = {
            insee: {"code": insee, "name": name}
            for insee, name, _dep, _epci, _pop in tables["communes"]
            if insee in self.t.by_insee
        }
        names = defaultdict(list)
        for r in self.current.values():
            names[_plain(r["name"]).upper().replace("-", " ").replace("'", " ")].append(r["code"])
        self.homonyms = [codes for codes in names.values() if len(codes) > 1]
        self.unique = {codes[0] for codes in names.values() if len(codes) == 1}
        self.former = [
            {"code": code, "name": name, "parent": parent}
            for code, name, parent in tables["former_names"]
            if code not in self.t.by_insee
            and parent in self.current
            and _plain(name).upper() not in names  # not also a current commune's name
        ]
        self.shared = [cp for cp, rows in self.t.by_postal.items() if len(rows) > 1]

    def centre(self, code: str) -> tuple[float, float]:
        i = self.t.by_insee[code][0]
        return self.t.lat[i], self.t.lon[i]

    def postal(self, code: str) -> str:
        return self.t.postal[self.t.by_insee[code][0]]

    def placed(self, code: str) -> bool:
        return self.centre(code)[0] == self.centre(code)[0]  # NaN for no centre


def _row(n: int, dirt: str, **values) -> dict:
    base = {"ref": f"r{n}", "nom": f"Initiative {n} ({dirt})", "adresse": "", "cp": "", "ville": ""}
    base.update({"lat": "", "lon": ""})
    return {**base, **values}


def _homonym_in_postal_code(tb, rng, n):
    cp = rng.choice(tb.shared)
    code = tb.t.insee[rng.choice(tb.t.by_postal[cp])]
    name = (
        _shout(tb.current[code]["name"], rng)
        if code in tb.current
        else tb.t.label[tb.t.by_insee[code][0]]
    )
    street = f"{rng.randint(1, 90)} rue de la Mairie"
    return Dirty("homonym-cp", code, _row(n, "homonym-cp", adresse=f"{street} {cp} {name}"))


def _abbreviated(tb, rng, n):
    pool = [
        c
        for c in tb.current
        if any(w in tb.current[c]["name"] for w in ("Saint", "-sur-", "-sous-"))
    ]
    code = rng.choice(pool)
    return Dirty(
        "abbreviation",
        code,
        _row(n, "abbreviation", cp=tb.postal(code), ville=_shout(tb.current[code]["name"], rng)),
    )


def _official(tb, rng, n):
    pool = [c for c in tb.current if any(ch in tb.current[c]["name"] for ch in "-'éèêîôç")]
    code = rng.choice(pool)
    name = tb.current[code]["name"]
    name = rng.choice([name, name.upper(), _plain(name).upper(), _plain(name).replace("-", " ")])
    return Dirty(
        "accents-hyphens", code, _row(n, "accents-hyphens", cp=tb.postal(code), ville=name)
    )


def _arrondissement(tb, rng, n):
    city, prefix, count = rng.choice(
        [("Paris", "751", 20), ("Lyon", "6938", 9), ("Marseille", "132", 16)]
    )
    k = rng.randint(1, count)
    code = f"{prefix}{k:0{5 - len(prefix)}d}"
    label = rng.choice(
        [city.upper(), f"{city} {k}{'er' if k == 1 else 'e'}", f"{city.upper()} {k:02d}"]
    )
    cedex = rng.random() < 0.3
    ville = f"{label} CEDEX {k}" if cedex else label
    return Dirty("arrondissement", code, _row(n, "arrondissement", cp=tb.postal(code), ville=ville))


def _former(tb, rng, n):
    r = rng.choice(tb.former)
    parent = r["parent"]
    ville = rng.choice([r["name"], _shout(r["name"], rng)])
    return Dirty(
        "former-commune", parent, _row(n, "former-commune", cp=tb.postal(parent), ville=ville)
    )


def _cedex(tb, rng, n):
    pool = [c for c in sorted(tb.unique) if c[:2] not in ("75", "69", "13", "97", "98", "20")]
    code = rng.choice(pool)
    cp = tb.postal(code)
    cedex = next(
        cp[:2] + f"{x:03d}" for x in range(900, 1000) if cp[:2] + f"{x:03d}" not in tb.t.by_postal
    )
    ville = f"{_shout(tb.current[code]['name'], rng)} CEDEX {rng.randint(1, 9)}"
    return Dirty(
        "cedex", code, _row(n, "cedex", adresse=f"BP {rng.randint(1, 999)}", cp=cedex, ville=ville)
    )


def _name_only(tb, rng, n):
    if rng.random() < 0.5:
        codes = [c for c in rng.choice(tb.homonyms) if tb.placed(c)]
        if codes:
            code = rng.choice(codes)
            lat, lon = tb.centre(code)
            row = _row(
                n,
                "homonym-name",
                ville=tb.current[code]["name"],
                lat=f"{lat + 0.004:.5f}",
                lon=f"{lon - 0.004:.5f}",
            )
            return Dirty("homonym-name", code, row)
    code = rng.choice(sorted(tb.unique))
    return Dirty(
        "name-only", code, _row(n, "name-only", ville=_shout(tb.current[code]["name"], rng))
    )


def _coordinates(tb, rng, n):
    code = rng.choice([c for c in tb.current if tb.placed(c) and c[:2] not in ("97", "98")])
    lat, lon = tb.centre(code)
    kind = rng.choice(["agree", "far", "swapped"])
    if kind == "agree":
        point = (lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.01, 0.01))
    elif kind == "far":
        point = (lat + rng.choice([-1.2, 1.2]), lon + rng.choice([-1.5, 1.5]))
    else:
        point = (lon, lat)
    row = _row(
        n, f"coordinates-{kind}", cp=tb.postal(code), ville=_shout(tb.current[code]["name"], rng)
    )
    row.update(lat=f"{point[0]:.6f}", lon=f"{point[1]:.6f}")
    return Dirty(f"coordinates-{kind}", code, row)


MAKERS = (
    _homonym_in_postal_code,
    _abbreviated,
    _official,
    _arrondissement,
    _former,
    _cedex,
    _name_only,
    _coordinates,
)


def dirty_directory(count: int = 400, seed: int = 12) -> list[Dirty]:
    rng = random.Random(seed)
    tables = _Tables()
    return [MAKERS[n % len(MAKERS)](tables, rng, n) for n in range(count)]


def as_csv(records: list[Dirty]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0].row), lineterminator="\n")
    writer.writeheader()
    writer.writerows(r.row for r in records)
    return out.getvalue().encode("utf-8")
