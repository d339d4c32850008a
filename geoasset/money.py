"""Rupiah amounts as people read them.

Money in geoasset is whole rupiah (``int`` or an integral :class:`~decimal.Decimal`), never
a float. This module only formats it, with the digit grouping of the reader's language
(Babel's CLDR data): Indonesian groups with dots, English with commas.

>>> format_rupiah(851357218)
'Rp 851.357.218'
>>> format_rupiah(851357218, lang="en")
'Rp 851,357,218'
"""

from __future__ import annotations

import numbers
from decimal import Decimal

from babel.numbers import format_decimal

#: geoasset language code -> CLDR locale
LOCALES = {"id": "id_ID", "en": "en_US"}


def whole_rupiah(amount) -> int:
    """``amount`` as an ``int``; refuses fractions of a rupiah and non-numbers.

    >>> whole_rupiah(Decimal("1500"))
    1500
    """
    if isinstance(amount, bool) or not isinstance(amount, (numbers.Number, Decimal)):
        raise TypeError(f"not an amount of rupiah: {amount!r}")
    if isinstance(amount, numbers.Integral):
        return int(amount)
    value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(f"not a whole number of rupiah: {amount!r}")
    return int(value)


def format_rupiah(amount, lang: str = "id") -> str:
    """``Rp`` and the amount grouped for ``lang`` ("id" or "en").

    >>> format_rupiah(-2500, lang="en")
    'Rp -2,500'
    """
    locale = LOCALES.get(lang)
    if locale is None:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LOCALES)}")
    return f"Rp {format_decimal(whole_rupiah(amount), locale=locale)}"
