"""Staff accounts of the console: users, password hashes, sign-in with lockout and sessions,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.store import CatalogStore
from commerce.staff import (
    InvalidCredentials,
    LoginLocked,
    StaffAccounts,
    hash_password,
    staff_sessions,
    staff_users,
    verify_password,
)

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(store: CatalogStore, clock: Clock) -> StaffAccounts:
    store.migrate()
    return StaffAccounts(store.engine, session_hours=12, clock=clock)


def test_password_hash_is_salted_scrypt_with_its_parameters() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second  # a salt of its own
    assert first.startswith("scrypt$n=16384,r=8,p=1$")
    assert verify_password(PASSWORD, first) and not verify_password(PASSWORD + "x", first)
    for broken in ("", "plain", "scrypt$n=1$x$y", "md5$n=1,r=1,p=1$AA==$AA=="):
        assert verify_password(PASSWORD, broken) is False


def test_create_and_list_users(accounts: StaffAccounts, store: CatalogStore) -> None:
    assert accounts.count() == 0
    user = accounts.create_user("Maria.K", PASSWORD, "merchandiser")
    assert (user.username, user.role) == ("Maria.K", "merchandiser")
    with pytest.raises(Conflict, match="already exists"):
        accounts.create_user("maria.k", PASSWORD, "admin")  # usernames ignore case
    accounts.create_user("ann", PASSWORD, "analyst")
    assert [(u["username"], u["role"], u["disabled"]) for u in accounts.list_users()] == [
        ("ann", "analyst", False), ("Maria.K", "merchandiser", False)]
    with store.engine.connect() as conn:
        stored = conn.execute(select(staff_users.c.password_hash)).scalars().all()
    assert all(PASSWORD not in h and h.startswith("scrypt$") for h in stored)


@pytest.mark.parametrize("username, password, role, field", [
    ("bob", PASSWORD, "owner", "role"),
    ("bob", "short", "admin", "password"),
    ("bob smith", PASSWORD, "admin", "username"),
    ("", PASSWORD, "admin", "username"),
    ("bob\n", PASSWORD, "admin", "username"),
    ("x" * 65, PASSWORD, "admin", "username"),
    ("bob", "p" * 2000, "admin", "password"),
])
def test_create_user_rejects_bad_input(accounts: StaffAccounts, username: str, password: str,
                                       role: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        accounts.create_user(username, password, role)
    assert info.value.field == field
    assert accounts.count() == 0


def test_authenticate_ignores_username_case_and_never_says_what_was_wrong(
        accounts: StaffAccounts) -> None:
    accounts.create_user("Maria", PASSWORD, "admin")
    assert accounts.authenticate("mARIA", PASSWORD).username == "Maria"
    with pytest.raises(InvalidCredentials) as wrong_password:
        accounts.authenticate("maria", PASSWORD + "!")
    with pytest.raises(InvalidCredentials) as unknown_user:
        accounts.authenticate("nobody", PASSWORD)
    assert wrong_password.value.detail == unknown_user.value.detail == "wrong username or password"
    assert wrong_password.value.status_code == 401


def test_lockout_after_five_failures_in_fifteen_minutes(accounts: StaffAccounts,
                                                        clock: Clock) -> None:
    accounts.create_user("maria", PASSWORD, "admin")
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate("maria", "wrong password")
        clock.advance(minutes=1)
    accounts.authenticate("maria", PASSWORD)  # a success clears the count
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate("Maria", "wrong password")
        clock.advance(minutes=1)
    with pytest.raises(LoginLocked, match=r"try again in 10 minutes") as info:
        accounts.authenticate("maria", PASSWORD)  # even the right password, while locked
    assert info.value.status_code == 429
    clock.advance(minutes=10)  # the oldest of the five failures leaves the window
    assert accounts.authenticate("maria", PASSWORD).username == "maria"


def test_unknown_usernames_lock_out_too(accounts: StaffAccounts) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate("ghost", "whatever it is")
    with pytest.raises(LoginLocked):
        accounts.authenticate("ghost", "whatever it is")


def test_set_password_lifts_the_lockout_and_ends_sessions(accounts: StaffAccounts) -> None:
    user = accounts.create_user("maria", PASSWORD, "admin")
    token = accounts.create_session(user)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate("maria", "wrong password")
    accounts.set_password("MARIA", "a new long password")
    assert accounts.session_user(token) is None
    with pytest.raises(InvalidCredentials):
        accounts.authenticate("maria", PASSWORD)
    assert accounts.authenticate("maria", "a new long password").username == "maria"
    with pytest.raises(NotFound):
        accounts.set_password("nobody", "a new long password")
    with pytest.raises(InvalidInput):
        accounts.set_password("maria", "short")


def test_disabled_users_cannot_sign_in_and_lose_their_sessions(accounts: StaffAccounts) -> None:
    user = accounts.create_user("maria", PASSWORD, "merchandiser")
    token = accounts.create_session(user)
    accounts.disable("maria")
    assert accounts.session_user(token) is None
    with pytest.raises(InvalidCredentials, match="wrong username or password"):
        accounts.authenticate("maria", PASSWORD)
    assert accounts.list_users()[0]["disabled"] is True
    accounts.disable("maria", disabled=False)
    assert accounts.authenticate("maria", PASSWORD).role == "merchandiser"


def test_sessions_slide_and_expire(accounts: StaffAccounts, clock: Clock,
                                   store: CatalogStore) -> None:
    user = accounts.create_user("maria", PASSWORD, "analyst")
    token = accounts.create_session(user)
    assert len(token) >= 40
    with store.engine.connect() as conn:
        stored = conn.execute(select(staff_sessions.c.token_hash)).scalars().all()
    assert len(stored) == 1 and token not in stored[0]  # only the hash is stored
    for _ in range(3):  # 33 hours in all, never idle for 12
        clock.advance(hours=11)
        assert accounts.session_user(token) == user
    clock.advance(hours=12, seconds=1)
    assert accounts.session_user(token) is None
    assert accounts.session_user("not a token") is None and accounts.session_user("") is None


def test_end_session(accounts: StaffAccounts) -> None:
    user = accounts.create_user("maria", PASSWORD, "admin")
    first, second = accounts.create_session(user), accounts.create_session(user)
    accounts.end_session(first)
    assert accounts.session_user(first) is None
    assert accounts.session_user(second) == user  # other sessions stay
    accounts.end_session(None)
