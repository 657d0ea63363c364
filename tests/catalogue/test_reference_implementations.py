"""Two things the project writes by hand that a library also does, checked against the
library's or the reference implementation's outputs (each module's docstring says why it is
hand-written): the API's rate limiter against pyrate-limiter's fixed window, the light French
stemmer against the examples of Savoy's paper as Lucene's FrenchLightStemFilter tests them."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from pyrate_limiter import FixedWindow, Rate

from catalogue.api import ratelimit
from catalogue.search.text import fold, stem


def _reference_decisions(times: list[float], limit: int, seconds: int) -> list[int]:
    """pyrate-limiter's FixedWindow: 0 when admitted, else the seconds to wait (rounded up)."""
    algorithm, rate = FixedWindow(), Rate(limit, seconds * 1000)
    admitted: list[int] = []
    out = []
    for t in times:
        now = round(t * 1000)
        start = algorithm.window_start(rate, now)
        count = sum(1 for at in admitted if at >= start)
        if algorithm.admit([rate], [count], 1).allowed:
            admitted.append(now)
            out.append(0)
        else:
            out.append(math.ceil(algorithm.retry_after(rate, now, None) / 1000))
    return out


def _our_decisions(monkeypatch, times: list[float], limit: int, seconds: int) -> list[int]:
    clock = [0.0]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: clock[0]))
    request = SimpleNamespace(META={"REMOTE_ADDR": "203.0.113.9"})
    out = []
    for t in times:
        clock[0] = t
        out.append(ratelimit.check(request, "reference", (limit, seconds)))
    return out


@pytest.mark.parametrize(("limit", "seconds", "seed"), [(3, 60, 1), (5, 10, 2), (1, 1, 3)])
def test_the_rate_limiter_decides_as_pyrate_limiters_fixed_window(
    monkeypatch, limit, seconds, seed
):
    cache.clear()
    rng = random.Random(seed)
    # Bursts and pauses across several windows, at whole milliseconds.
    times, t = [], 1_700_000_000.0
    for _ in range(200):
        t += rng.choice([0.001, 0.05, 0.3, seconds / 3, seconds * 1.2])
        times.append(round(t, 3))
    ours = _our_decisions(monkeypatch, times, limit, seconds)
    assert ours == _reference_decisions(times, limit, seconds)
    assert 0 in ours and any(ours), "both admissions and refusals exercised"


# Lucene's TestFrenchLightStemFilter.testExamples (examples of J. Savoy's paper), the words
# folded first as this project's index does (the stemmer works on unaccented words).
LUCENE_EXAMPLES = """
chevaux cheval  cheval cheval  hiboux hibou  hibou hibou  chantés chant  chanter chant
chante chant  chant chant  baronnes baron  barons baron  baron baron  peaux peau  peau peau
anneaux aneau  anneau aneau  neveux neveu  neveu neveu  affreux afreu  affreuse afreu
investissement investi  investir investi  assourdissant asourdi  assourdir asourdi
pratiquement pratiqu  pratique pratiqu  administrativement administratif
administratif administratif  justificatrice justifi  justificateur justifi  justifier justifi
educatrice eduqu  eduquer eduqu  communicateur comuniqu  communiquer comuniqu
accompagnatrice acompagn  accompagnateur acompagn  administrateur administr
administrer administr  productrice product  producteur product  acheteuse achet
acheteur achet  planteur plant  plante plant  poreuse poreu  poreux poreu  plieuse plieu
bijoutière bijouti  bijoutier bijouti  caissière caisi  caissier caisi  abrasive abrasif
abrasif abrasif  folle fou  fou fou  personnelle person  personne person  complète complet
complet complet  aromatique aromat  faiblesse faibl  faible faibl  patinage patin
patin patin  sonorisation sono  ritualisation rituel  rituel rituel  nomination nomin
disposition dispos  dispose dispos  1234555 1234555  12333345 12333345  1234 1234
abcdeff abcdef  abcccddeef abcdef  créées cre  22hh00 22h00
""".split()


def test_the_light_stemmer_gives_the_reference_stems():
    pairs = list(zip(LUCENE_EXAMPLES[::2], LUCENE_EXAMPLES[1::2], strict=True))
    assert len(pairs) == 77
    assert [(word, stem(fold(word))) for word, _ in pairs] == [(w, s) for w, s in pairs]
