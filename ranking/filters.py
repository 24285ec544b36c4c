"""Filter strings of the search API (``brand:Acme``, ``price_per_piece:10..50``) as plan filters.

Shared by requests and by the query rules of a search configuration, so that both accept and
reject exactly the same syntax.
"""

from __future__ import annotations

import math

from catalog.errors import InvalidInput
from catalog.fields import BY_NAME, FILTERABLE
from indexer.plan import Filter, RangeFilter, TermsFilter


def parse_filters(raw_filters: list[str]) -> list[Filter]:
    """``brand:Acme`` (repeat for OR), ``price_per_piece:10..50``, ``weight_kg:..2``,
    ``category:Fasteners > Bolts``. ``=`` works as well as ``:``."""
    values: dict[str, list[str]] = {}
    ranges: list[Filter] = []
    for raw in raw_filters:
        cut = min((i for i in (raw.find(":"), raw.find("=")) if i > 0), default=-1)
        if cut < 0:
            raise InvalidInput(f"filter {raw!r} must look like field:value", field="filter")
        name, value = raw[:cut].strip(), raw[cut + 1 :].strip()
        spec = BY_NAME.get(name)
        if spec is None or name not in FILTERABLE:
            raise InvalidInput(
                f"unknown filter field {name!r}; filterable fields: {', '.join(FILTERABLE)}",
                field=name,
            )
        if not value:
            raise InvalidInput(f"filter on {name!r} has no value", field=name)
        if spec.numeric:
            lo, sep, hi = value.partition("..")
            try:
                if sep:
                    gte = float(lo) if lo.strip() else None
                    lte = float(hi) if hi.strip() else None
                else:
                    gte = lte = float(value)
            except ValueError:
                raise InvalidInput(
                    f"filter on {name!r} needs a number or a range like 10..50, not {value!r}",
                    field=name,
                ) from None
            if any(v is not None and not math.isfinite(v) for v in (gte, lte)):
                raise InvalidInput(f"filter on {name!r} must be finite", field=name)
            ranges.append(RangeFilter(name, gte, lte))
        else:
            values.setdefault(name, []).append(value)
    return [TermsFilter(name, tuple(dict.fromkeys(v))) for name, v in values.items()] + ranges
