"""One transaction per request for the commerce endpoints.

Services and repositories never commit: a router takes ``Tx`` (a SQLAlchemy ``Session`` in
a transaction) and everything the request wrote is committed once when the endpoint
returns, or rolled back when it raises. ``scope="function"`` ends the dependency *before* the
response is sent, so a failing commit (a constraint, a lost connection) is answered with an
error instead of a 200 for work that never reached the database.

The session factory lives on ``app.state.commerce_sessions`` (set by ``api.app``); command
line tools and tests use :func:`unit_of_work` with the same factory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: objects read in the request stay usable while the response is
    # rendered after the commit
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back whole."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _request_transaction(request: Request) -> Iterator[Session]:
    with unit_of_work(request.app.state.commerce_sessions) as session:
        yield session


Tx = Annotated[Session, Depends(_request_transaction, scope="function")]
"""The request's session; committed before the response is sent (see the module docstring)."""
