"""The catalogue's change counter: what `manage.py check_catalogue` compares derived data with.

One row. Every write to project pages ends in `catalogue.changes.changed()`, which counts the
change here once its transaction commits; the open-data dumps record the count they reflect, so
"dumps older than the last change" is one comparison, shared by every process (the data
version of `catalogue.freshness` lives in the cache, which may be per process).
"""

from django.db import models


class CatalogueState(models.Model):
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)
    # The dumps: the version they reflect, the ids they hold (digest), when they were written.
    dumps_version = models.BigIntegerField(default=-1)
    dumps_digest = models.CharField(max_length=64, blank=True)
    dumps_count = models.IntegerField(default=0)
    dumps_at = models.DateTimeField(null=True, blank=True)
    # A background rewrite of the dumps waits in the queue since then (coalesces a burst).
    dumps_queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"catalogue v{self.version} (dumps v{self.dumps_version})"


class TaskDelivery(models.Model):
    """How many times the queue handed one background task to a worker (catalogue.background).

    django-q2 counts attempts that ended; a worker killed mid-task ends nothing, so deliveries
    are counted here, when a worker starts the task."""

    task_id = models.CharField(max_length=32, primary_key=True)
    name = models.CharField(max_length=100, blank=True)
    deliveries = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name or self.task_id}: {self.deliveries}"
