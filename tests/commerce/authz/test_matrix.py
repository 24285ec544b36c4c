"""The authorisation matrix: every endpoint x every role x own / other company, from one table.

Rows come from every module ``tests/commerce/authz/rows_*.py`` (``rows_accounts.py``: accounts,
companies, roles, audit; ``rows_prices.py``: prices and assortments; later issues add theirs).
A module exports ``ROWS`` (a list of :class:`~tests.commerce.authz.matrix.Row`) and may export
``PUBLIC`` (``(method, path)`` pairs anyone may call) and ``FILLS`` (placeholder name ->
function of the cell returning a value, shared by all rows).

Row format::

    Row("PUT", "/v1/companies/{company_id}/users/{user_id}/roles",
        own="401 ok ok ok 403 403 403 403",      # columns: anon adm rep cadm appr pm recv buy
        other="401 ok 404 404 403 403 403 403",  # None when the request names no company
        ok=200,                                  # the status "ok" stands for
        body={"roles": ["buyer"]},               # or a function of the Cell; files= likewise
        fill={"user_id": lambda cell: ...})      # placeholders of this row only

Cells: ``ok`` (exactly the row's ``ok`` status), ``pass`` (authorised: anything but 401 and
403, for endpoints whose success needs more than this world), ``401``, ``403``, ``404``.

Each cell is a fresh situation: two new active companies A (home) and B; the subject is a new
user of the column's role (anon: no credentials; adm / rep: seller-side, not acting, rep
assigned to A; the others: employees of A holding that one role), enrolled in two-factor login
when the role requires it, with a full sign-in sent as a bearer token. The own column requests name A, the other column B: ``{company_id}`` in the path
(or ``cell.company_id`` in a body). Placeholders other than ``{company_id}`` are filled per cell
by the row's ``fill``, then the modules' ``FILLS`` (``{user_id}``: a new buyer of the named
company; ``{department_id}``, ``{delegation_id}``: new ones).

``test_every_v1_endpoint_is_in_the_matrix`` fails when an endpoint under ``/v1`` is neither in a
row nor listed as public here or in a module's ``PUBLIC``: a new endpoint must be added.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.commerce.authz as authz_package
from catalog.store import CatalogStore
from commerce.companies.models import Company
from tests.commerce.accounts_world import World, make_world
from tests.commerce.authz.matrix import CUSTOMER_ROLE, ROLES, SELLER_ROLE, Cell, Row

# Endpoints outside the account matrix: the public storefront API (search, cards, events,
# health) and the merchandiser console's endpoints, which console staff sign in to
# (tests/api/test_console_auth.py checks their roles).
PUBLIC: set[tuple[str, str]] = {
    ("GET", "/v1/search"), ("GET", "/v1/autocomplete"), ("POST", "/v1/search/image"),
    ("POST", "/v1/search/barcode"), ("POST", "/v1/search/voice"),
    ("GET", "/v1/products/{sku}"), ("GET", "/v1/products/{sku}.pdf"),
    ("GET", "/v1/documents/search"), ("GET", "/v1/documents/{document_id}"),
    ("GET", "/v1/documents/{document_id}/file"), ("GET", "/v1/media/{media_id}/file"),
    ("GET", "/v1/media/{media_id}/thumbnail"), ("POST", "/v1/events"), ("GET", "/v1/health"),
}
CONSOLE: set[tuple[str, str]] = {
    ("POST", "/v1/auth/login"), ("POST", "/v1/auth/logout"), ("GET", "/v1/auth/me"),
    ("GET", "/v1/analytics/top-queries"), ("GET", "/v1/analytics/zero-result-queries"),
    ("GET", "/v1/analytics/click-through"), ("GET", "/v1/analytics/slowest-queries"),
    ("GET", "/v1/merchandising"), ("PUT", "/v1/merchandising/synonyms"),
    ("PUT", "/v1/merchandising/rules"), ("POST", "/v1/merchandising/publish"),
    ("GET", "/v1/evaluations"), ("POST", "/v1/evaluations"), ("GET", "/v1/evaluations/{run_id}"),
}


def _row_modules() -> list[Any]:
    return [importlib.import_module(f"{authz_package.__name__}.{info.name}")
            for info in sorted(pkgutil.iter_modules(authz_package.__path__), key=lambda i: i.name)
            if info.name.startswith("rows_")]


MODULES = _row_modules()
ALL_ROWS: list[Row] = [row for module in MODULES for row in module.ROWS]
FILLS: dict[str, Any] = {k: v for m in MODULES for k, v in getattr(m, "FILLS", {}).items()}
LISTED_PUBLIC = PUBLIC | CONSOLE | {tuple(p) for m in MODULES for p in getattr(m, "PUBLIC", [])}


@pytest.fixture(scope="module", params=[
    "sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def matrix_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[World]:
    """One database per backend for the whole matrix (every cell makes its own companies and
    users, so cells do not see each other)."""
    tmp = tmp_path_factory.mktemp("matrix")
    if request.param == "sqlite":
        store = CatalogStore(f"sqlite:///{tmp / 'catalog.db'}")
        yield from make_world(store, tmp)
        store.engine.dispose()
    else:
        from tests.conftest import _postgres_store

        for store in _postgres_store():
            yield from make_world(store, tmp)


def _cell(world: World, role: str, column: str) -> Cell:
    with world.uow() as tx:
        home = Company(name=Cell.unique("Home "), status="active", customer_group="retail",
                       created_at=_now())
        other = Company(name=Cell.unique("Other "), status="active", customer_group="retail",
                        created_at=_now())
        tx.add_all([home, other])
        tx.flush()
        home_id, other_id = int(home.id), int(other.id)
    subject = None
    if role in SELLER_ROLE:
        subject = world.session(world.user(seller_role=SELLER_ROLE[role],
                                           email=f"{Cell.unique(role)}@seller.example"))
        if role == "rep":
            with world.uow() as tx:
                tx.get(Company, home_id).sales_rep_id = subject.id  # type: ignore[union-attr]
    elif role in CUSTOMER_ROLE:
        user = world.user(company=home_id, roles=(CUSTOMER_ROLE[role],),
                          email=f"{Cell.unique(role)}@example.com")
        subject = world.session(user, company=home_id)
    return Cell(world, role, home_id, other_id, home_id if column == "own" else other_id,
                subject)


def _now() -> Any:
    from commerce.identity import now_utc

    return now_utc()


def _call(row: Row, cell: Cell) -> Any:
    path = row.path.replace("{company_id}", str(cell.company_id))
    for name in re.findall(r"{(\w+)}", path):
        fill = row.fill.get(name) or FILLS.get(name)
        if fill is None:
            raise AssertionError(f"{row.id}: no fill for {{{name}}} (give the row a fill)")
        path = path.replace("{" + name + "}", str(fill(cell)))
    headers = cell.subject.headers if cell.subject is not None else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if row.body is not None:
        kwargs["json"] = row.body(cell) if callable(row.body) else row.body
    if row.files is not None:
        kwargs["files"] = row.files(cell)
    return cell.world.client.request(row.method, path, **kwargs)


def _matches(expected: str, status: int, ok: int) -> bool:
    if expected == "ok":
        return status == ok
    if expected == "pass":
        return status not in (401, 403)
    return status == int(expected)


@pytest.mark.parametrize("row", ALL_ROWS, ids=[r.id for r in ALL_ROWS])
def test_matrix(row: Row, matrix_world: World) -> None:
    mismatches = []
    for column in ("own", "other") if row.other is not None else ("own",):
        for role, expected in row.expected(column).items():
            cell = _cell(matrix_world, role, column)
            resp = _call(row, cell)
            if not _matches(expected, resp.status_code, row.ok):
                mismatches.append(f"{column:5} {role:4} expected {expected}, got "
                                  f"{resp.status_code}: {resp.text[:200]}")
    assert not mismatches, f"{row.id}\n" + "\n".join(mismatches)


def _routes() -> set[tuple[str, str]]:
    """(method, path) of every HTTP route of the app, as FastAPI resolves them."""
    from api.app import create_app
    from catalog.settings import Settings

    app = create_app(Settings(data_dir=Path("unused")))
    found: set[tuple[str, str]] = set()

    def add(methods: Any, path: str) -> None:
        for method in methods or ():
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, path))

    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # FastAPI >= 0.16x: included routers
            for context in contexts():
                add(context.methods, context.path)
        elif hasattr(route, "methods"):
            add(route.methods, route.path)  # type: ignore[attr-defined]
    return found


def test_every_v1_endpoint_is_in_the_matrix() -> None:
    routes = {r for r in _routes() if r[1].startswith("/v1/")}
    assert len(routes) > 40  # the enumeration sees the included routers
    in_rows = {(row.method, row.path.split("?", 1)[0]) for row in ALL_ROWS}
    missing = sorted(routes - in_rows - LISTED_PUBLIC)
    assert not missing, ("endpoints in no matrix row and not listed as public (add a Row to a "
                         f"tests/commerce/authz/rows_*.py): {missing}")
    stale = sorted((in_rows | LISTED_PUBLIC) - routes)
    assert not stale, f"rows or public entries of endpoints that do not exist: {stale}"


def test_rows_name_every_role_once() -> None:
    assert ROLES == ("anon", "adm", "rep", "cadm", "appr", "pm", "recv", "buy")
    ids = [r.id for r in ALL_ROWS]
    assert len(ids) == len(set(ids)), "one row per endpoint"
    with pytest.raises(ValueError, match="needs 8 cells"):
        Row("GET", "/v1/x", "401 ok")
