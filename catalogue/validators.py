"""Validators shared by page fields, forms and the import services."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

# Only web links: no javascript:, data:, ftp: or file: URLs ever reach a page.
http_url_validator = URLValidator(schemes=["http", "https"])

POSTAL_CODE_RE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")
INSEE_CODE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def validate_postal_code(value):
    if value and not POSTAL_CODE_RE.match(value):
        raise ValidationError(
            _("« %(value)s » n'est pas un code postal français (5 chiffres)."),
            params={"value": value},
            code="invalid_postal_code",
        )


def validate_insee_code(value):
    if value and not INSEE_CODE_RE.match(value):
        raise ValidationError(
            _("« %(value)s » n'est pas un code commune INSEE."),
            params={"value": value},
            code="invalid_insee_code",
        )


def validate_latitude(value):
    if value is not None and not -90 <= value <= 90:
        raise ValidationError(_("La latitude doit être comprise entre -90 et 90."))


def validate_longitude(value):
    if value is not None and not -180 <= value <= 180:
        raise ValidationError(_("La longitude doit être comprise entre -180 et 180."))
