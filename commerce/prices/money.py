"""Money arithmetic shared by the quote engine and the vectorised price book.

Every amount is an integer number of *price units*: 1/10,000 of the currency's main unit
(four decimals, enough for fasteners sold at 0.0123 EUR a piece). Percentages are integer
1/10,000 of a percent. All rounding is half-up on non-negative integers with
:func:`div_half_up`, which works alike on Python ints and numpy int64 arrays: that is what
makes :meth:`PriceService.quote` and ``CustomerPrices.unit_prices`` agree to the last unit.
Line totals are rounded half-up to the currency's minor unit (2 decimals for EUR, 0 for JPY,
3 for KWD).
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from catalog.errors import InvalidInput

PRICE_DECIMALS = 4
PRICE_SCALE = 10**PRICE_DECIMALS  # price units per currency unit
PERCENT_SCALE = 10**4  # percent units per percent
HUNDRED_PERCENT = 100 * PERCENT_SCALE
RATE_DECIMALS = 3  # VAT rates in percent with up to 3 decimals (7.7 %)
RATE_SCALE = 10**RATE_DECIMALS
# the dearest piece: 10^8 currency units, so that a price times a percentage fits in int64
MAX_PRICE_UNITS = 10**8 * PRICE_SCALE

# ISO 4217 codes in use; minor units 2 unless listed below
_CURRENCIES_2 = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD
MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP
PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWL
"""
_CURRENCIES_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_CURRENCIES_3 = "BHD IQD JOD KWD LYD OMR TND"
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_CURRENCIES_2.split(), 2),
    **dict.fromkeys(_CURRENCIES_0.split(), 0),
    **dict.fromkeys(_CURRENCIES_3.split(), 3),
}
_COUNTRY = re.compile(r"[A-Z]{2}")

N = TypeVar("N")


def check_currency(code: Any, field: str = "currency") -> str:
    """An ISO 4217 code in upper case; InvalidInput naming ``field`` otherwise."""
    value = code.strip().upper() if isinstance(code, str) else ""
    if value not in MINOR_UNITS:
        raise InvalidInput(f"{code!r} is not a known ISO 4217 currency code (like EUR)", field=field)
    return value


def check_country(code: Any, field: str = "country") -> str:
    value = code.strip().upper() if isinstance(code, str) else ""
    if not _COUNTRY.fullmatch(value):
        raise InvalidInput(f"{code!r} is not a two-letter ISO 3166 country code (like DE)",
                           field=field)
    return value


def div_half_up(a: N, b: int) -> N:
    """``a / b`` rounded half-up, for ``a >= 0`` and ``b > 0`` (ints or int64 arrays)."""
    return (2 * a + b) // (2 * b)  # type: ignore[operator,no-any-return,return-value]


def to_units(value: Any, field: str, *, scale: int = PRICE_SCALE, minimum: int = 0,
             maximum: int | None = None, what: str = "price") -> int:
    """A decimal from the API or a CSV cell (str, int, float, Decimal) as integer units; more
    decimals than the scale holds are refused rather than silently rounded."""
    if isinstance(value, bool):
        raise InvalidInput(f"{what} must be a number", field=field)
    try:
        dec = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{what} {value!r} is not a number", field=field) from None
    if not dec.is_finite():
        raise InvalidInput(f"{what} must be a finite number", field=field)
    scaled = dec * scale
    if scaled != scaled.to_integral_value():
        decimals = len(str(scale)) - 1
        raise InvalidInput(f"{what} {value} has more than {decimals} decimals", field=field)
    units = int(scaled)
    if units < minimum:
        low = Decimal(minimum) / scale
        raise InvalidInput(f"{what} must be at least {low} (got {value})", field=field)
    if maximum is not None and units > maximum:
        raise InvalidInput(f"{what} must be at most {Decimal(maximum) / scale} (got {value})",
                           field=field)
    return units


def catalog_units(price: float | None) -> int | None:
    """The catalog's floating-point ``price_per_piece`` as price units (half-up at the fourth
    decimal of the binary value; ``numpy.floor(x * 10000 + 0.5)`` computes the same); None for
    no, negative or absurd (above :data:`MAX_PRICE_UNITS`) prices."""
    if price is None or not math.isfinite(price) or price < 0:
        return None
    units = int(math.floor(price * PRICE_SCALE + 0.5))
    return units if units <= MAX_PRICE_UNITS else None


def units_to_decimal(units: int, scale: int = PRICE_SCALE) -> Decimal:
    return Decimal(units) / Decimal(scale)


def unit_decimal(units: int, currency: str) -> Decimal:
    """A unit price for display: at least the currency's minor digits, more only when the
    price has them (0.9 -> 0.90, 0.0063 stays, 4 -> 4.00; JPY 1234.5 stays)."""
    value = Decimal(units).scaleb(-PRICE_DECIMALS)
    exponent = value.normalize().as_tuple().exponent
    places = max(MINOR_UNITS[currency], -exponent if isinstance(exponent, int) else 0)
    return value.quantize(Decimal(1).scaleb(-places))


def decimal_units(value: Decimal | None, scale: int = PRICE_SCALE) -> int | None:
    """A stored NUMERIC value (exact) as units."""
    if value is None:
        return None
    return int((Decimal(value) * scale).to_integral_value(ROUND_HALF_UP))


def apply_percent(units: int, percent_units: int) -> int:
    """``units`` less ``percent_units`` (1/10,000 %), half-up to a price unit."""
    return div_half_up(units * (HUNDRED_PERCENT - percent_units), HUNDRED_PERCENT)


def apply_fixed(units: int, off_units: int) -> int:
    return max(units - off_units, 0)


def line_minor(unit_units: int, qty: int, currency: str) -> int:
    """A line's net total in the currency's minor units (cents), half-up."""
    return div_half_up(unit_units * qty, 10 ** (PRICE_DECIMALS - MINOR_UNITS[currency]))


def vat_minor(net_minor: int, rate_units: int) -> int:
    """The VAT of a line (minor units, half-up); ``rate_units`` in 1/1,000 percent."""
    return div_half_up(net_minor * rate_units, 100 * RATE_SCALE)


def gross_units(unit_units: int, rate_units: int) -> int:
    return div_half_up(unit_units * (100 * RATE_SCALE + rate_units), 100 * RATE_SCALE)


def minor_to_decimal(minor: int, currency: str) -> Decimal:
    places = MINOR_UNITS[currency]
    return (Decimal(minor) / (10**places)).quantize(Decimal(1).scaleb(-places))
