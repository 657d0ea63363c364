"""Static table of French departments and regions (2016 regions, INSEE codes).

Kept in code rather than data because it changes once a decade and every caller (gazetteer,
search facets, the map) needs it without I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

# INSEE region code -> official name.
REGIONS: dict[str, str] = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str
    region_code: str  # "" for overseas collectivities outside any region
    # INSEE code of the chef-lieu (prefecture); municipal codes for Paris, Lyon, Marseille.
    chef_lieu_insee: str

    @property
    def region_name(self) -> str:
        return REGIONS.get(self.region_code, "")


_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("01", "Ain", "84", "01053"),
    ("02", "Aisne", "32", "02408"),
    ("03", "Allier", "84", "03190"),
    ("04", "Alpes-de-Haute-Provence", "93", "04070"),
    ("05", "Hautes-Alpes", "93", "05061"),
    ("06", "Alpes-Maritimes", "93", "06088"),
    ("07", "Ardèche", "84", "07186"),
    ("08", "Ardennes", "44", "08105"),
    ("09", "Ariège", "76", "09122"),
    ("10", "Aube", "44", "10387"),
    ("11", "Aude", "76", "11069"),
    ("12", "Aveyron", "76", "12202"),
    ("13", "Bouches-du-Rhône", "93", "13055"),
    ("14", "Calvados", "28", "14118"),
    ("15", "Cantal", "84", "15014"),
    ("16", "Charente", "75", "16015"),
    ("17", "Charente-Maritime", "75", "17300"),
    ("18", "Cher", "24", "18033"),
    ("19", "Corrèze", "75", "19272"),
    ("2A", "Corse-du-Sud", "94", "2A004"),
    ("2B", "Haute-Corse", "94", "2B033"),
    ("21", "Côte-d'Or", "27", "21231"),
    ("22", "Côtes-d'Armor", "53", "22278"),
    ("23", "Creuse", "75", "23096"),
    ("24", "Dordogne", "75", "24322"),
    ("25", "Doubs", "27", "25056"),
    ("26", "Drôme", "84", "26362"),
    ("27", "Eure", "28", "27229"),
    ("28", "Eure-et-Loir", "24", "28085"),
    ("29", "Finistère", "53", "29232"),
    ("30", "Gard", "76", "30189"),
    ("31", "Haute-Garonne", "76", "31555"),
    ("32", "Gers", "76", "32013"),
    ("33", "Gironde", "75", "33063"),
    ("34", "Hérault", "76", "34172"),
    ("35", "Ille-et-Vilaine", "53", "35238"),
    ("36", "Indre", "24", "36044"),
    ("37", "Indre-et-Loire", "24", "37261"),
    ("38", "Isère", "84", "38185"),
    ("39", "Jura", "27", "39300"),
    ("40", "Landes", "75", "40192"),
    ("41", "Loir-et-Cher", "24", "41018"),
    ("42", "Loire", "84", "42218"),
    ("43", "Haute-Loire", "84", "43157"),
    ("44", "Loire-Atlantique", "52", "44109"),
    ("45", "Loiret", "24", "45234"),
    ("46", "Lot", "76", "46042"),
    ("47", "Lot-et-Garonne", "75", "47001"),
    ("48", "Lozère", "76", "48095"),
    ("49", "Maine-et-Loire", "52", "49007"),
    ("50", "Manche", "28", "50502"),
    ("51", "Marne", "44", "51108"),
    ("52", "Haute-Marne", "44", "52121"),
    ("53", "Mayenne", "52", "53130"),
    ("54", "Meurthe-et-Moselle", "44", "54395"),
    ("55", "Meuse", "44", "55029"),
    ("56", "Morbihan", "53", "56260"),
    ("57", "Moselle", "44", "57463"),
    ("58", "Nièvre", "27", "58194"),
    ("59", "Nord", "32", "59350"),
    ("60", "Oise", "32", "60057"),
    ("61", "Orne", "28", "61001"),
    ("62", "Pas-de-Calais", "32", "62041"),
    ("63", "Puy-de-Dôme", "84", "63113"),
    ("64", "Pyrénées-Atlantiques", "75", "64445"),
    ("65", "Hautes-Pyrénées", "76", "65440"),
    ("66", "Pyrénées-Orientales", "76", "66136"),
    ("67", "Bas-Rhin", "44", "67482"),
    ("68", "Haut-Rhin", "44", "68066"),
    ("69", "Rhône", "84", "69123"),
    ("70", "Haute-Saône", "27", "70550"),
    ("71", "Saône-et-Loire", "27", "71270"),
    ("72", "Sarthe", "52", "72181"),
    ("73", "Savoie", "84", "73065"),
    ("74", "Haute-Savoie", "84", "74010"),
    ("75", "Paris", "11", "75056"),
    ("76", "Seine-Maritime", "28", "76540"),
    ("77", "Seine-et-Marne", "11", "77288"),
    ("78", "Yvelines", "11", "78646"),
    ("79", "Deux-Sèvres", "75", "79191"),
    ("80", "Somme", "32", "80021"),
    ("81", "Tarn", "76", "81004"),
    ("82", "Tarn-et-Garonne", "76", "82121"),
    ("83", "Var", "93", "83137"),
    ("84", "Vaucluse", "93", "84007"),
    ("85", "Vendée", "52", "85191"),
    ("86", "Vienne", "75", "86194"),
    ("87", "Haute-Vienne", "75", "87085"),
    ("88", "Vosges", "44", "88160"),
    ("89", "Yonne", "27", "89024"),
    ("90", "Territoire de Belfort", "27", "90010"),
    ("91", "Essonne", "11", "91228"),
    ("92", "Hauts-de-Seine", "11", "92050"),
    ("93", "Seine-Saint-Denis", "11", "93008"),
    ("94", "Val-de-Marne", "11", "94028"),
    ("95", "Val-d'Oise", "11", "95127"),
    ("971", "Guadeloupe", "01", "97105"),
    ("972", "Martinique", "02", "97209"),
    ("973", "Guyane", "03", "97302"),
    ("974", "La Réunion", "04", "97411"),
    ("976", "Mayotte", "06", "97611"),
    # Overseas collectivities: no region; listed so their communes resolve to a name.
    ("975", "Saint-Pierre-et-Miquelon", "", "97502"),
    ("977", "Saint-Barthélemy", "", "97701"),
    ("978", "Saint-Martin", "", "97801"),
    ("986", "Wallis-et-Futuna", "", "98613"),
    ("987", "Polynésie française", "", "98735"),
    ("988", "Nouvelle-Calédonie", "", "98818"),
    ("989", "Île de Clipperton", "", "98901"),
)

DEPARTMENTS: dict[str, Department] = {row[0]: Department(*row) for row in _ROWS}


def department_code_for_insee(insee_code: str) -> str:
    """Department code of an INSEE commune code ("2A004" -> "2A", "97411" -> "974").

    Returns "" for codes outside the table (Monaco 99138, garbage).
    """
    code = (insee_code or "").strip().upper()
    if len(code) != 5:
        return ""
    dep = code[:3] if code[:2] in ("97", "98") else code[:2]
    return dep if dep in DEPARTMENTS else ""


def department_code_for_postal_code(postal_code: str) -> str:
    """Department code implied by a postal code (Corsica: 200xx/201xx -> 2A, 202xx/206xx -> 2B).

    A postal code only approximates the department (a few communes use a neighbour's), so prefer
    `department_code_for_insee` once the commune is known.
    """
    cp = (postal_code or "").strip()
    if len(cp) != 5 or not cp.isdigit():
        return ""
    if cp.startswith("20"):
        return "2A" if cp[2] in "01" else "2B"
    dep = cp[:3] if cp[:2] in ("97", "98") else cp[:2]
    return dep if dep in DEPARTMENTS else ""


def department(code: str) -> Department | None:
    """The department with this code ("2a" and "2A" both work), or None."""
    return DEPARTMENTS.get((code or "").strip().upper())


def region_code_for_name(name: str) -> str:
    """INSEE code of a region from its name (case, accents, hyphens ignored); "" if unknown."""
    from catalogue.geography import normalise_name  # local import: avoid a cycle

    key = normalise_name(name)
    for code, region in REGIONS.items():
        if normalise_name(region) == key:
            return code
    return ""
