"""The harvest's heap freeze (importers.gc_tuning): what existed before the run is left out of
its collections, the run's own garbage is still collected, and the heap is given back after
the run, whether it ends well or not."""

import gc
import weakref

import pytest

from importers.gc_tuning import heap_frozen


class _Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


def _holds(objects, target) -> bool:
    return any(o is target for o in objects)


def test_the_heap_before_is_frozen_and_the_runs_cycles_still_collected():
    before = _Node()
    gc.collect()
    assert gc.get_freeze_count() == 0
    with heap_frozen():
        assert gc.get_freeze_count() > 0
        assert not _holds(gc.get_objects(generation=2), before)  # in the permanent generation
        during = _Node()
        gone = weakref.ref(during)
        del during
        gc.collect()
        assert gone() is None  # the run's own cycles are collected as before
    assert gc.get_freeze_count() == 0
    assert _holds(gc.get_objects(generation=2), before)  # back in the oldest generation


def test_the_heap_is_given_back_when_the_run_fails():
    with pytest.raises(RuntimeError), heap_frozen():
        raise RuntimeError("the crawl crashed")
    assert gc.get_freeze_count() == 0
