"""Crawling engine of the harvester: plain Scrapy/parsel code driven by a configuration.

No Django model is imported here: a source's configuration is a dataclass (``config``),
crawls run in the current process (``runner.crawl``, one per process because the
Twisted reactor cannot restart) and previews run in-process with ``requests``
(``runner.preview``).
"""
