"""Importer models, split by concern: sources, runs, tag mappings, deduplication, geocoding."""

from .confirmations import CodeConfirmation  # noqa: F401
from .dedup import DuplicateCandidate, DuplicateDecision  # noqa: F401
from .fingerprints import ItemFingerprint  # noqa: F401
from .geocoding import GeocodeCache  # noqa: F401
from .mappings import TagMapping, UnknownTag  # noqa: F401
from .partners import PartnerRole, ProposalStatus  # noqa: F401
from .runs import HarvestError, HarvestRun  # noqa: F401
from .sources import Source, SourceKind  # noqa: F401
