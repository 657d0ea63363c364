"""Path converters of the API routes (declared once: the routes and the OpenAPI schema read them)."""

ROW_ID_DIGITS = 18
MAX_ROW_ID = 10**ROW_ID_DIGITS - 1


class RowId:
    """A non-negative database id of at most 18 digits, so it always fits a 64-bit integer column
    (a longer number would overflow SQLite's INTEGER before the query runs). Anything else
    under /api/ falls to the API's JSON 404."""

    regex = f"[0-9]{{1,{ROW_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
