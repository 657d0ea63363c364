"""Precomputed map clusters for the unfiltered map (the common whole-France view).

`MapPoint` is the snapshot of every published, public, geolocated project as counted in
`MapCell`; it lets an edit move one project from its old cell to its new one without a full
rebuild (see `catalogue.maps.grid`). Both tables are derived data: `rebuild_clusters()`
recreates them from the project pages at any time.
"""

from django.db import models


class MapPoint(models.Model):
    """One project on the unfiltered map (its page id, not a foreign key: see module doc)."""

    project_id = models.BigIntegerField(primary_key=True)
    lat = models.FloatField()
    lng = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["lat", "lng"], name="catalogue_mappoint_latlng")]

    def __str__(self):
        return f"{self.project_id} ({self.lat}, {self.lng})"


class MapCell(models.Model):
    """Projects of one grid cell at one zoom level; the centroid is sum / count."""

    zoom = models.PositiveSmallIntegerField()
    cx = models.IntegerField()
    cy = models.IntegerField()
    count = models.IntegerField(default=0)
    sum_lat = models.FloatField(default=0)
    sum_lng = models.FloatField(default=0)
    # A project of the cell: the one shown when the cell holds a single project.
    sample_id = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["zoom", "cx", "cy"], name="catalogue_mapcell_unique")
        ]

    def __str__(self):
        return f"z{self.zoom} ({self.cx}, {self.cy}): {self.count}"
