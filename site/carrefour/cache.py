"""Django's database cache with an atomic ``incr``: the default cache when Redis is absent.

Rate limits (the open-data API's, allauth's log-in and sign-up limits) must be counted once for
all processes (web workers, qcluster): a per-process local-memory cache lets 3 workers take 3
times the limit. Django's ``DatabaseCache.incr`` is a read then a write, so two processes may
both read 4 and write 5; here the read and the write happen in one transaction holding the row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises
writers, see ``transaction_mode`` in settings).
"""

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


class AtomicDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                quote = connection.ops.quote_name
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT 1 FROM {quote(self._table)} WHERE {quote('cache_key')} = %s "
                        "FOR UPDATE",
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)
