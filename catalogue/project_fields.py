"""Each project field declared once: what it is, and every list that follows from that.

A row of `PROJECT_FIELDS` says of one field of a project whether a harvest sets it and a
person's edit curates it (`curatable`), which record attribute proposes it (`record`, `social`),
whether the page's holder may edit it from the front end (`holder`), its name in the open-data
records of the API, exports and dumps (`public`, with `doc`, in the order of the CSV columns),
whether the search index entry copies it (`indexed`) and which facet it feeds (`facet`), and
how text is made safe (`text`). The lists the write path, the holder's form, the API and the
search index read are derived below: a new field is added here, once, and
tests/catalogue/test_project_fields.py checks that each place shows it as declared.

Model-free (no import of the models or of the search module), so any of them may import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# How a text field is made safe on the write path (`catalogue.page_values.safe_value`).
RICH, URL, LINE = "rich", "url", "line"
# What a field is on the page: a column, a relation (codes, tags), or computed for the record.
COLUMN, RELATION, COMPUTED = "column", "relation", "computed"


@dataclass(frozen=True)
class ProjectField:
    name: str
    kind: str = COLUMN
    #: The page's column (its attribute name) when it is not `name`.
    column: str = ""
    curatable: bool = False
    #: The `ProjectRecord` attribute of the same name proposes a value (copied as is).
    record: bool = False
    #: The key of `ProjectRecord.social_links` that proposes a value.
    social: str = ""
    holder: bool = False
    public: str = ""
    doc: str = ""
    indexed: bool = False
    facet: str = ""
    text: str = ""

    @property
    def attname(self) -> str:
        return self.column or self.name


F = ProjectField
# Public fields first, in the open-data records' order (a stable contract: CSV columns).
PROJECT_FIELDS: tuple[ProjectField, ...] = (
    F("id", column="pk", public="id", doc=_("Identifiant stable de la fiche sur Carrefour.")),
    F("url", column="url_path", public="url", doc=_("Adresse de la fiche sur Carrefour.")),
    F("title", curatable=True, public="title", doc=_("Nom du projet."), indexed=True, text=LINE),
    F(
        "summary",
        curatable=True,
        record=True,
        holder=True,
        public="summary",
        doc=_("Résumé en texte brut."),
        indexed=True,
    ),
    F(
        "structure_name",
        curatable=True,
        record=True,
        public="structure",
        doc=_("Structure porteuse."),
        indexed=True,
        text=LINE,
    ),
    F(
        "structure_kind",
        curatable=True,
        record=True,
        public="kind",
        doc=_("Type de structure (valeurs du paramètre `structure`)."),
        indexed=True,
        facet="structure",
    ),
    F(
        "stage",
        curatable=True,
        record=True,
        holder=True,
        public="stage",
        doc=_("Stade du projet (valeurs du paramètre `stade`)."),
        indexed=True,
        facet="stade",
    ),
    F(
        "scale",
        curatable=True,
        record=True,
        public="scale",
        doc=_("Échelle territoriale (valeurs du paramètre `echelle`)."),
        indexed=True,
        facet="echelle",
    ),
    F(
        "start_year",
        curatable=True,
        record=True,
        public="start_year",
        doc=_("Année de lancement."),
        indexed=True,
    ),
    F(
        "website",
        curatable=True,
        record=True,
        holder=True,
        public="website",
        doc=_("Site du projet."),
        indexed=True,
        text=URL,
    ),
    F(
        "address",
        curatable=True,
        record=True,
        holder=True,
        public="address",
        doc=_("Adresse."),
        text=LINE,
    ),
    F(
        "postal_code",
        curatable=True,
        record=True,
        holder=True,
        public="postal_code",
        doc=_("Code postal."),
        indexed=True,
    ),
    F(
        "city",
        curatable=True,
        record=True,
        holder=True,
        public="city",
        doc=_("Commune."),
        indexed=True,
        text=LINE,
    ),
    F(
        "insee_code",
        curatable=True,
        record=True,
        public="insee",
        doc=_("Code commune INSEE."),
        indexed=True,
    ),
    F(
        "department_code",
        public="department",
        doc=_("Code du département."),
        indexed=True,
        facet="departement",
    ),
    F("department_name", public="department_name", doc=_("Nom du département.")),
    F(
        "region_code",
        public="region",
        doc=_("Code INSEE de la région."),
        indexed=True,
        facet="region",
    ),
    F("region_name", public="region_name", doc=_("Nom de la région.")),
    F("latitude", public="lat", doc=_("Latitude (WGS 84)."), indexed=True),
    F("longitude", public="lng", doc=_("Longitude (WGS 84)."), indexed=True),
    F(
        "codes",
        kind=RELATION,
        curatable=True,
        holder=True,
        public="codes",
        doc=_("Codes de la nomenclature CIS (valeurs du paramètre `code`)."),
    ),
    F(
        "groups",
        kind=COMPUTED,
        public="groups",
        doc=_("Thématiques (Domaines, Publics, Méthodes) déduites des codes."),
    ),
    F("tags", kind=RELATION, curatable=True, public="tags", doc=_("Mots-clés libres.")),
    F(
        "coup_de_coeur",
        public="coup_de_coeur",
        doc=_("Mis en avant par la rédaction."),
        indexed=True,
        facet="coup_de_coeur",
    ),
    F(
        "sources",
        kind=COMPUTED,
        public="sources",
        doc=_("Partenaires qui référencent le projet : nom, page d'origine, toujours listé."),
    ),
    F(
        "first_published_at",
        public="first_published_at",
        doc=_("Première publication sur Carrefour (ISO 8601)."),
        indexed=True,
    ),
    F(
        "last_published_at",
        public="last_published_at",
        doc=_("Dernière publication sur Carrefour (ISO 8601)."),
        indexed=True,
    ),
    F(
        "confirmed_at",
        kind=COMPUTED,
        public="confirmed_at",
        doc=_(
            "Dernière confirmation que la fiche est à jour (ISO 8601) : par une de ses sources "
            "(vue dans une collecte), son porteur ou l'équipe éditoriale (filtre `fraicheur`, "
            "tri `confirmed`)."
        ),
    ),
    F(
        "confirmed_by",
        kind=COMPUTED,
        public="confirmed_by",
        doc=_("Qui l'a confirmée : « source », « holder » (le porteur) ou « editor »."),
    ),
    F(
        "to_verify",
        kind=COMPUTED,
        public="to_verify",
        doc=_("Vrai quand le porteur n'a pas répondu à deux rappels annuels : fiche à vérifier."),
    ),
    F(
        "licence",
        kind=COMPUTED,
        public="licence",
        doc=_(
            "Licence de la fiche : celle(s) que ses sources déclarent ; Licence Ouverte 2.0 pour "
            "une fiche écrite sur Carrefour ; null (licence non déclarée) quand une de ses "
            "sources n'en déclare pas : la Licence Ouverte ne la couvre pas."
        ),
    ),
    F(
        "licence_url",
        kind=COMPUTED,
        public="licence_url",
        doc=_("Texte de la licence (Licence Ouverte), sinon null."),
    ),
    F(
        "description",
        curatable=True,
        holder=True,
        text=RICH,
        public="description",
        doc=_(
            "Description du projet en texte brut : paragraphes séparés par une ligne vide, "
            "éléments de liste précédés de « - »."
        ),
    ),
    F(
        "description_html",
        kind=COMPUTED,
        public="description_html",
        doc=_(
            "La même description en HTML assaini (p, h3, ul, ol, li, b, i, br et liens "
            'http(s) ou mailto en rel="noopener nofollow" seulement).'
        ),
    ),
    # Not published in the open data (contacts stay on the page; the point is lat/lng).
    F("image", column="image_id", curatable=True, holder=True, indexed=True),
    F("facebook_url", curatable=True, social="facebook", text=URL),
    F("twitter_url", curatable=True, social="twitter", text=URL),
    F("linkedin_url", curatable=True, social="linkedin", text=URL),
    F("instagram_url", curatable=True, social="instagram", text=URL),
    F("youtube_url", curatable=True, social="youtube", text=URL),
    F("contact_email", curatable=True, record=True, holder=True),
    F("contact_phone", curatable=True, record=True, holder=True, text=LINE),
    # The point as a whole: a person who moved it keeps harvests from moving lat/lng.
    F("location", curatable=True),
    F("location_note", record=True, text=LINE),
)
del F

BY_NAME: dict[str, ProjectField] = {f.name: f for f in PROJECT_FIELDS}

# --- derived lists -----------------------------------------------------------------------------
#: Fields a harvest may set; an editor's or a holder's edit of one "curates" it.
CURATABLE_FIELDS = tuple(f.name for f in PROJECT_FIELDS if f.curatable)
#: Record attributes copied onto page fields of the same name (text made safe on the way).
PLAIN_FIELDS = tuple(f.name for f in PROJECT_FIELDS if f.record)
#: Key of a record's `social_links` -> page field.
SOCIAL_FIELDS = {f.social: f.name for f in PROJECT_FIELDS if f.social}
#: The curated fields a project's approved holder may change from the front end.
HOLDER_FIELDS = tuple(f.name for f in PROJECT_FIELDS if f.holder)
#: Page fields holding one line of text, and web addresses (http(s) only).
ONE_LINE_FIELDS = frozenset(f.name for f in PROJECT_FIELDS if f.text == LINE)
URL_FIELDS = frozenset(f.name for f in PROJECT_FIELDS if f.text == URL)
#: Public field names of the open-data records, in output order, and what each means.
PUBLIC_FIELDS = tuple(f for f in PROJECT_FIELDS if f.public)
API_FIELDS = tuple(f.public for f in PUBLIC_FIELDS)
FIELD_DOCS = {f.public: f.doc for f in PUBLIC_FIELDS}
#: Page columns the open-data records read (one `values()` query per batch).
API_COLUMNS = tuple(f.attname for f in PUBLIC_FIELDS if f.kind == COLUMN)
#: Page columns the search index entry copies, and the facets page columns feed.
INDEXED_COLUMNS = tuple(f.attname for f in PROJECT_FIELDS if f.indexed)
PAGE_FACETS = tuple((f.attname, f.facet) for f in PROJECT_FIELDS if f.facet)
