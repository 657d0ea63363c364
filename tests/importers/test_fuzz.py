"""Fuzz (hypothesis) on what reads the outside world: the normalisers take any text or value
without an exception, and the source configuration parser answers bad configurations with its
own ConfigError only."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.crawl.config import ConfigError, config_from_dict
from importers.normalise import clean

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
# Scalars as partners send them: any text (controls and odd code points included), numbers.
scalars = st.one_of(
    st.text(), st.integers(), st.floats(allow_nan=True), st.none(), st.booleans(), st.binary()
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
CLEANERS = [
    clean.clean_text,
    clean.clean_multiline,
    clean.clean_url,
    clean.clean_email,
    clean.split_links,
    clean.clean_phone,
    clean.clean_year,
    clean.clean_postal_code,
]


@FUZZ
@given(value=scalars)
def test_normalisers_take_any_value(value):
    for cleaner in CLEANERS:
        cleaner(value)
    if isinstance(value, str):
        clean.fold(value)
        clean.guess_structure_kind(value)


KEYS = [
    "kind",
    "name",
    "start_urls",
    "item_selector",
    "follow_selector",
    "fields",
    "limits",
    "pagination",
    "url",
    "next",
    "items",
    "delimiter",
    "encoding",
]


@FUZZ
@given(
    data=st.dictionaries(
        st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), json_values, max_size=6
    ),
    kind=st.sampled_from(["html", "json", "csv", "sitemap", "rss", "autre", None]),
)
def test_configuration_parser_raises_only_its_own_errors(data, kind):
    if kind is not None:
        data = {**data, "kind": kind}
    try:
        config_from_dict(data)
    except ConfigError:
        pass
