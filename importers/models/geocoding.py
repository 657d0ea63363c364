"""Answers of the national address API (BAN), cached: a re-harvest asks nothing twice."""

from django.db import models
from django.utils import timezone


class GeocodeCache(models.Model):
    key = models.CharField(max_length=64, unique=True)  # sha256 of the normalised query
    query = models.CharField(max_length=500)
    found = models.BooleanField(default=False)
    insee_code = models.CharField(max_length=5, blank=True)
    postal_code = models.CharField(max_length=5, blank=True)
    city = models.CharField(max_length=120, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "géocodage en cache"

    def __str__(self):
        return self.query
