"""French overrides for the identity catalogue (msgids are French; see bin/po_fill.py).

Only entries whose msgid is not the French text to show: the name of English in LANGUAGES.
"""

TRANSLATIONS = {
    "English": "Anglais",
}
