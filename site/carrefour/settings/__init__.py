"""Settings split as in wagtail/bakerydemo: base, dev, production, test."""
