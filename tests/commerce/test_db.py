"""The request transaction: committed before the response, rolled back whole on errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Integer, String, create_engine, func, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from commerce.db import Tx, session_factory, unit_of_work


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(20), unique=True)


meta = Base.metadata
notes = Note.__table__


@pytest.fixture
def client(tmp_path: Any) -> Any:
    engine = create_engine(f"sqlite:///{tmp_path / 'tx.db'}")
    meta.create_all(engine)
    app = FastAPI()
    app.state.commerce_sessions = session_factory(engine)

    @app.post("/notes/{text}")
    def add(text: str, tx: Tx) -> dict[str, str]:
        tx.execute(insert(notes).values(text=text))
        if text.startswith("fail"):
            raise RuntimeError("after writing")
        if text.startswith("later"):  # flushed only when the transaction commits
            tx.add(Note(text="dup"))
        if text.startswith("twice"):
            tx.execute(insert(notes).values(text=text + "-a"))
            tx.execute(insert(notes).values(text=text + "-b"))
        return {"ok": text}

    with TestClient(app, raise_server_exceptions=False) as c:
        c.count = lambda: engine.connect().execute(select(func.count()).select_from(notes)).scalar()  # type: ignore[attr-defined]
        c.engine = engine  # type: ignore[attr-defined]
        yield c


def test_commits_once_per_request(client: Any) -> None:
    assert client.post("/notes/twice").status_code == 200
    assert client.count() == 3


def test_an_error_rolls_back_everything_the_request_wrote(client: Any) -> None:
    assert client.post("/notes/fail").status_code == 500
    assert client.count() == 0


def test_a_failing_commit_is_an_error_response_not_a_200(client: Any) -> None:
    assert client.post("/notes/dup").status_code == 200
    # the duplicate is flushed at commit, after the endpoint returned its body
    assert client.post("/notes/later").status_code == 500
    assert client.count() == 1


def test_unit_of_work_outside_requests(client: Any) -> None:
    factory = session_factory(client.engine)
    with pytest.raises(RuntimeError), unit_of_work(factory) as s:
        s.execute(insert(notes).values(text="cli"))
        raise RuntimeError
    with unit_of_work(factory) as s:
        s.execute(insert(notes).values(text="cli"))
    assert client.count() == 1
