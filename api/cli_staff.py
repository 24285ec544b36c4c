"""``discovery staff``: console users (create, list, disable, enable, set-password, token).

A password comes from ``--password-stdin`` (one line), else ``DISCOVERY_STAFF_PASSWORD``,
else a prompt (typed twice, not echoed); it has at least 10 characters.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from catalog.errors import DiscoveryError, InvalidInput
from catalog.settings import get_settings

if TYPE_CHECKING:  # commerce (and SQLAlchemy) load when a staff command runs, not on --help
    from commerce.staff import StaffAccounts

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "discovery-demo"
PASSWORD_ENV = "DISCOVERY_STAFF_PASSWORD"

staff_app = typer.Typer(help="Console users (staff): create, list, disable, set passwords.",
                        no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)  # errors stay one line: logs and scripts read them
out = Console()


def _fail(exc: DiscoveryError, code: int = 2) -> NoReturn:
    where = f" ({exc.field})" if exc.field else ""
    err.print(f"[red]error{where}:[/red] {exc.detail}", highlight=False, markup=True)
    raise typer.Exit(code)


@contextmanager
def _accounts() -> Iterator[StaffAccounts]:
    """The store alone: managing users needs neither the search index nor the query log."""
    from catalog.store import CatalogStore
    from commerce.staff import StaffAccounts

    settings = get_settings()
    store = CatalogStore(settings.resolved_database_url())
    try:
        store.migrate()
        yield StaffAccounts(store.engine, session_hours=settings.console_session_hours)
    finally:
        store.engine.dispose()


def read_password(from_stdin: bool, env_name: str, other_ways: str = "") -> str:
    """A new password from standard input (``from_stdin``), the environment variable
    ``env_name``, or a prompt at a terminal; ``other_ways`` names further options in the
    error when none is there."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInput("--password-stdin: no password on standard input",
                               field="password")
        return line
    env = os.environ.get(env_name)
    if env:
        return env
    if not sys.stdin.isatty():
        ways = f"--password-stdin, {env_name}{other_ways}" if other_ways else (
            f"--password-stdin or {env_name}")
        raise InvalidInput(f"no password: use {ways} when not typing at a terminal",
                           field="password")
    value: str = typer.prompt("Password (10 characters or more)", hide_input=True,
                              confirmation_prompt=True)
    return value


def _password(from_stdin: bool) -> str:
    return read_password(from_stdin, PASSWORD_ENV)


PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help=f"Read the password from the first line of standard input "
    f"(default: {PASSWORD_ENV}, else a prompt).")]


@staff_app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ @ -); "
                                            "case is ignored when signing in.")],
    role: Annotated[str, typer.Option(help="admin, merchandiser (edits and publishes synonyms "
                                      "and rules) or analyst (read-only: analytics, "
                                      "evaluations).")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a console user."""
    try:
        password = _password(password_stdin)
        with _accounts() as accounts:
            user = accounts.create_user(username, password, role)
    except DiscoveryError as exc:
        _fail(exc)
    err.print(f"created {user.role} {user.username!r}", highlight=False)


@staff_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print the users as JSON.")] = False,
) -> None:
    """List console users with their roles."""
    try:
        with _accounts() as accounts:
            users = accounts.list_users()
    except DiscoveryError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(users) + "\n")
        return
    if not users:
        err.print("no console users yet: discovery staff create NAME --role admin")
        return
    table = Table(title="console users")
    for column in ("username", "role", "created_at", "disabled"):
        table.add_column(column)
    for user in users:
        table.add_row(*(Text(str(user[c])) for c in ("username", "role", "created_at",
                                                     "disabled")))
    out.print(table)


@staff_app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="The user to disable.")]) -> None:
    """Disable a user: signing in fails and every session of the user ends at once."""
    try:
        with _accounts() as accounts:
            accounts.disable(username)
    except DiscoveryError as exc:
        _fail(exc)
    err.print(f"disabled {username!r}; their sessions ended", highlight=False)


@staff_app.command("enable")
def enable(username: Annotated[str, typer.Argument(help="The user to enable again.")]) -> None:
    """Enable a disabled user."""
    try:
        with _accounts() as accounts:
            accounts.disable(username, disabled=False)
    except DiscoveryError as exc:
        _fail(exc)
    err.print(f"enabled {username!r}", highlight=False)


@staff_app.command("set-password")
def set_password(
    username: Annotated[str, typer.Argument(help="The user whose password changes.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a new password; the user's sessions end and a lockout is lifted."""
    try:
        password = _password(password_stdin)
        with _accounts() as accounts:
            accounts.set_password(username, password)
    except DiscoveryError as exc:
        _fail(exc)
    err.print(f"password of {username!r} changed; their sessions ended", highlight=False)


@staff_app.command("token")
def token(username: Annotated[str, typer.Argument(help="The user the scripts act as.")]
          ) -> None:
    """Print a new session token for scripts: send it as 'Authorization: Bearer <token>'.
    It expires like a console session (DISCOVERY_CONSOLE_SESSION_HOURS without use)."""
    try:
        with _accounts() as accounts:
            user = accounts.get_user(username)
            if user is None:
                raise InvalidInput(f"no enabled staff user {username!r}", field="username")
            issued = accounts.create_session(user)
    except DiscoveryError as exc:
        _fail(exc)
    sys.stdout.write(issued + "\n")


def seed_demo_admin() -> bool:
    """The demo's console user: ``admin`` / ``discovery-demo`` when there is no staff user at
    all (never beside real ones). True when it was created."""
    with _accounts() as accounts:
        if accounts.count():
            return False
        accounts.create_user(DEMO_USERNAME, DEMO_PASSWORD, "admin")
    return True
