"""Concurrent placements never exceed a credit limit (C12): 20 threads, each with its own
session and transaction, reserve credit of the same company at once; exactly as many succeed
as fit. PostgreSQL serialises them by locking the company's credit account row (``SELECT ...
FOR UPDATE``); SQLite by taking its single write lock before reading. The service's clock sleeps
between the limit check and the write, which widens the race window: without the lock nearly
every thread would pass the check on the same stale outstanding amount."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest

from catalog.store import CatalogStore
from commerce.companies.models import Company
from commerce.credit.models import CreditAccount
from commerce.credit.service import CreditLimitExceeded, CreditService
from commerce.db import session_factory, unit_of_work

THREADS = 20
AMOUNT = 10 * 10_000  # 10.00 EUR in price units
LIMIT = "75"  # EUR: seven orders fit
FIT = 7


def _slow_clock() -> datetime:
    time.sleep(0.02)
    return datetime(2026, 3, 1, 12, 0)


@pytest.fixture
def company(store: CatalogStore) -> int:
    store.migrate()
    with unit_of_work(session_factory(store.engine)) as tx:
        row = Company(name="Acme", status="active", customer_group="retail",
                      created_at=datetime(2026, 1, 1))
        tx.add(row)
        tx.flush()
        CreditService().set_terms(tx, "test", row.id, {
            "mode": "trade_credit", "limit": LIMIT, "currency": "EUR", "term_days": 30,
            "limit_scope": "outstanding"})
        company_id = int(row.id)
    return company_id


def _outstanding(store: CatalogStore, company_id: int) -> int:
    with unit_of_work(session_factory(store.engine)) as tx:
        account = tx.get(CreditAccount, company_id)
        assert account is not None
        return int(account.outstanding_units)


def _place_concurrently(store: CatalogStore, company_id: int, action: str,
                        order_ids: list[int]) -> tuple[list[int], list[BaseException], int]:
    """Run ``action`` (reserve / release) for each order in its own thread and transaction;
    (orders that succeeded, unexpected errors, the highest outstanding a watcher saw)."""
    factory = session_factory(store.engine)
    credit = CreditService(clock=_slow_clock)
    barrier = threading.Barrier(len(order_ids))
    ok: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    done = threading.Event()
    highest = [0]

    def run(order_id: int) -> None:
        barrier.wait()
        try:
            with unit_of_work(factory) as tx:
                if action == "reserve":
                    credit.reserve(tx, company_id, order_id, AMOUNT, "EUR")
                else:
                    credit.release(tx, order_id)
            with lock:
                ok.append(order_id)
        except CreditLimitExceeded:
            pass
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            with lock:
                errors.append(exc)

    def watch() -> None:
        while not done.is_set():
            highest[0] = max(highest[0], _outstanding(store, company_id))
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=run, args=(o,)) for o in order_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    done.set()
    watcher.join()
    return ok, errors, highest[0]


def test_credit_concurrent_reservations_never_exceed_the_limit(store: CatalogStore,
                                                                company: int) -> None:
    ok, errors, highest = _place_concurrently(store, company, "reserve",
                                              list(range(1, THREADS + 1)))
    assert not errors, errors
    assert len(ok) == FIT
    assert _outstanding(store, company) == FIT * AMOUNT
    assert highest <= FIT * AMOUNT


def test_credit_concurrent_releases_free_each_order_once(store: CatalogStore,
                                                          company: int) -> None:
    ok, errors, _ = _place_concurrently(store, company, "reserve", list(range(1, THREADS + 1)))
    assert len(ok) == FIT and not errors
    # every placed order cancelled twice at once: each frees its amount exactly once
    ok2, errors2, _ = _place_concurrently(store, company, "release", ok + ok)
    assert not errors2 and len(ok2) == 2 * FIT
    assert _outstanding(store, company) == 0
    # the freed credit can be used again, still never beyond the limit
    ok3, errors3, highest = _place_concurrently(store, company, "reserve",
                                                list(range(100, 100 + THREADS)))
    assert not errors3 and len(ok3) == FIT and highest <= FIT * AMOUNT


def test_credit_first_terms_set_concurrently_create_one_account(store: CatalogStore) -> None:
    store.migrate()
    factory = session_factory(store.engine)
    with unit_of_work(factory) as tx:
        row = Company(name="New", status="active", created_at=datetime(2026, 1, 1))
        tx.add(row)
        tx.flush()
        company_id = int(row.id)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def run(limit: int) -> None:
        barrier.wait()
        try:
            with unit_of_work(factory) as tx:
                CreditService(clock=_slow_clock).set_terms(tx, "test", company_id, {
                    "mode": "trade_credit", "limit": limit, "currency": "EUR",
                    "term_days": 30})
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(100, 108)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with unit_of_work(factory) as tx:
        terms = CreditService().terms(tx, company_id)
    assert terms["mode"] == "trade_credit" and terms["limit"] in {f"{n}.00" for n in range(100, 108)}
