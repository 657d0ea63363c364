"""Catalogue models, split by concern."""

from .changefeed import ChangeEvent, OutcomeSnapshot  # noqa: F401
from .choices import Scale, Stage, StructureKind, TaxonomyFamily  # noqa: F401
from .confirmation import ProjectConfirmation  # noqa: F401
from .corrections import ErrataDigest, FieldCorrection  # noqa: F401
from .editorial import (  # noqa: F401
    ArticleIndexPage,
    ArticlePage,
    HomeFeaturedProject,
    HomePage,
    StandardPage,
)
from .mapping import MapCell, MapPoint  # noqa: F401
from .partners import PartnerIndexPage, PartnerPage  # noqa: F401
from .projects import (  # noqa: F401
    CURATABLE_FIELDS,
    CuratedField,
    ProjectDistinction,
    ProjectIndexPage,
    ProjectPage,
    ProjectSource,
    ProjectTag,
)
from .public_body import AccessibilityStatus, PublicBodySettings  # noqa: F401
from .search_index import ProjectFacetValue, ProjectSearchEntry, SearchIndexChange  # noqa: F401
from .state import CatalogueState, TaskDelivery  # noqa: F401
from .suggestions import SuggestedCode  # noqa: F401
from .taxonomy import NomenclatureCode, TaxonomyGroup  # noqa: F401
