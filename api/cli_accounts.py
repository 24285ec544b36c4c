"""``discovery users`` and ``discovery companies``: company accounts from the command line, so
that a fresh install can create its first seller administrator (issue 7).

A password comes from ``--password-stdin`` (one line), else ``DISCOVERY_USER_PASSWORD``, else a
prompt; ``--invite`` creates the user without one and prints a password reset token instead.
Changes are written to the audit log with the actor ``cli``.
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from api.cli_staff import read_password
from catalog.errors import DiscoveryError, InvalidInput, NotFound
from catalog.settings import get_settings

if TYPE_CHECKING:  # SQLAlchemy and commerce load when a command runs, not on --help
    from sqlalchemy.orm import Session

PASSWORD_ENV = "DISCOVERY_USER_PASSWORD"
users_app = typer.Typer(help="Company accounts: seller administrators and sales "
                        "representatives, customer employees; create, list, block.",
                        no_args_is_help=True)
companies_app = typer.Typer(help="Customer companies: create, list.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)  # errors stay one line: logs and scripts read them
out = Console()


def _fail(exc: DiscoveryError, code: int = 2) -> NoReturn:
    where = f" ({exc.field})" if exc.field else ""
    err.print(f"[red]error{where}:[/red] {exc.detail}", highlight=False, markup=True)
    raise typer.Exit(code)


@contextmanager
def transaction() -> Iterator[Session]:
    """One transaction on the store alone (no search index needed)."""
    from catalog.store import CatalogStore
    from commerce.db import session_factory, unit_of_work

    store = CatalogStore(get_settings().resolved_database_url())
    try:
        store.migrate()
        with unit_of_work(session_factory(store.engine)) as tx:
            yield tx
    finally:
        store.engine.dispose()


def _password(from_stdin: bool) -> str:
    return read_password(from_stdin, PASSWORD_ENV, " or --invite")


def _user(tx: Session, email: str) -> Any:
    from commerce.users.repository import UserRepository

    user = UserRepository(tx).by_email(email)
    if user is None:
        raise NotFound(f"no user {email}", field="email")
    return user


def print_rows(rows: list[dict[str, Any]], columns: tuple[str, ...], title: str, as_json: bool,
           empty: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    if not rows:
        err.print(empty)
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(Text("" if row.get(c) is None else str(row.get(c))) for c in columns))
    out.print(table)


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option("--email", help="The sign-in e-mail.")],
    name: Annotated[str, typer.Option("--name", help="The person's name.")],
    seller_role: Annotated[str | None, typer.Option(
        "--seller-role", help="administrator or sales_representative (a seller-side user).")
    ] = None,
    company: Annotated[int | None, typer.Option(
        "--company", help="The customer company (id) the user works for.")] = None,
    role: Annotated[list[str] | None, typer.Option(
        "--role", help="A role in --company (repeat for several): company_admin, approver, "
        "purchasing_manager, order_recipient, buyer or a custom role.")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help=f"Read the password from standard input (default: "
        f"{PASSWORD_ENV}, else a prompt).")] = False,
    invite: Annotated[bool, typer.Option(
        "--invite", help="No password: print a password reset token the user sets one with "
        "(POST /v1/account/password-reset/confirm).")] = False,
) -> None:
    """Create a user: a seller-side one (--seller-role) or an employee of a company (--company
    with --role). Seller roles and privileged company roles must enrol in two-factor login at
    their first sign-in."""
    from commerce.audit.service import record
    from commerce.companies.repository import CompanyRepository
    from commerce.identity import now_utc
    from commerce.roles.repository import RoleRepository
    from commerce.users import service

    try:
        if (seller_role is None) == (company is None):
            raise InvalidInput("give either --seller-role or --company (with --role)",
                               field="seller_role")
        if company is not None and not role:
            raise InvalidInput("an employee needs at least one --role", field="role")
        password = secrets.token_urlsafe(24) if invite else _password(password_stdin)
        with transaction() as tx:
            user = service.create_user(tx, email=email, name=name, password=password,
                                       seller_role=seller_role)
            roles_text = seller_role or ""
            if company is not None:
                if CompanyRepository(tx).get(company) is None:
                    raise NotFound(f"no company {company}", field="company")
                roles = RoleRepository(tx)
                found = []
                for key in role or []:
                    found_role = roles.by_key(key, now_utc())
                    if found_role is None:
                        raise InvalidInput(f"unknown role {key!r}", field="role")
                    found.append(found_role)
                roles.set_roles(user.id, company, found, now_utc())
                roles_text = ", ".join(role or [])
            record(tx, "cli", "user.create", ("user", user.id),
                   {"email": user.email, "seller_role": seller_role, "roles": role or []},
                   company_id=company)
            token = None
            if invite:
                from commerce.users.service import Policy

                token, _ = service.issue_reset(tx, Policy.from_settings(get_settings()), user)
    except DiscoveryError as exc:
        _fail(exc)
    err.print(f"created {user.email} ({roles_text})", highlight=False)
    if token is not None:
        sys.stdout.write(token + "\n")


@users_app.command("list")
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the users as JSON.")] = False,
) -> None:
    """Every user with its seller role or company roles, status and two-factor login."""
    from commerce.roles.repository import RoleRepository
    from commerce.users.repository import UserRepository
    from commerce.users.service import user_dict

    try:
        with transaction() as tx:
            rows = []
            for user in UserRepository(tx).find():
                body = user_dict(user)
                body["roles"] = ", ".join(f"{r.key}@{cid}" for cid, r in
                                          RoleRepository(tx).all_roles_of(user.id))
                rows.append(body)
    except DiscoveryError as exc:
        _fail(exc)
    print_rows(rows, ("id", "email", "name", "seller_role", "roles", "status", "two_factor"),
           "users", as_json, "no users yet: discovery users create --email ... --seller-role "
           "administrator")


@users_app.command("block")
def users_block(
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    unblock: Annotated[bool, typer.Option("--unblock", help="Lift the block.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (audited).")] = None,
) -> None:
    """Block a user: every sign-in and API token ends at once and sign-in is refused."""
    from commerce.users import service

    try:
        with transaction() as tx:
            service.set_blocked(tx, "cli", _user(tx, email), not unblock, reason)
    except DiscoveryError as exc:
        _fail(exc)
    err.print(f"{'unblocked' if unblock else 'blocked'} {email}", highlight=False)


@users_app.command("reset-password")
def users_reset_password(email: Annotated[str, typer.Argument(help="The user's e-mail.")]
                         ) -> None:
    """Print a single-use password reset token for the user
    (POST /v1/account/password-reset/confirm)."""
    from commerce.users import service

    try:
        with transaction() as tx:
            token, expires = service.issue_reset(
                tx, service.Policy.from_settings(get_settings()), _user(tx, email))
    except DiscoveryError as exc:
        _fail(exc)
    sys.stdout.write(token + "\n")
    err.print(f"valid until {expires:%Y-%m-%d %H:%M} UTC", highlight=False)


@users_app.command("reset-2fa")
def users_reset_2fa(email: Annotated[str, typer.Argument(help="The user's e-mail.")]) -> None:
    """Turn two-factor login off for a user who lost the device and the recovery codes; the
    user's sign-ins end and a privileged user enrols again at the next sign-in."""
    from commerce.users import service

    try:
        with transaction() as tx:
            service.reset_totp(tx, "cli", _user(tx, email))
    except DiscoveryError as exc:
        _fail(exc)
    err.print(f"two-factor login of {email} is off; it enrols again at the next sign-in",
              highlight=False)


@users_app.command("outbox")
def users_outbox(
    as_json: Annotated[bool, typer.Option("--json", help="Print the messages as JSON.")] = False,
) -> None:
    """Messages to users waiting for delivery (password resets, invitations) until the
    notification outbox sends them."""
    from commerce.users.repository import UserRepository

    try:
        with transaction() as tx:
            rows = [{"id": m.id, "kind": m.kind, "recipient": m.recipient,
                     "created_at": m.created_at.isoformat(), "payload": m.payload}
                    for m in UserRepository(tx).messages()]
    except DiscoveryError as exc:
        _fail(exc)
    print_rows(rows, ("id", "kind", "recipient", "created_at", "payload"), "account outbox",
           as_json, "the account outbox is empty")


@companies_app.command("create")
def companies_create(
    name: Annotated[str, typer.Option("--name", help="The company's name.")],
    customer_group: Annotated[str | None, typer.Option(
        "--customer-group", help="Its customer group (group price lists).")] = None,
    status: Annotated[str, typer.Option(
        "--status", help="active, pending or blocked.")] = "active",
    sales_rep: Annotated[str | None, typer.Option(
        "--sales-rep", help="E-mail of the assigned sales representative.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the company as JSON.")] = False,
) -> None:
    """Create a customer company; prints its id."""
    from commerce.companies import service
    from commerce.companies.schemas import CompanyIn

    try:
        with transaction() as tx:
            rep_id = _user(tx, sales_rep).id if sales_rep else None
            company = service.create_company(tx, "cli", CompanyIn(
                name=name, status=status, customer_group=customer_group, sales_rep_id=rep_id))
            body = service.company_dict(company)
    except DiscoveryError as exc:
        _fail(exc)
    sys.stdout.write((json.dumps(body) if as_json else str(body["id"])) + "\n")


@companies_app.command("list")
def companies_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the companies as JSON.")] = False,
) -> None:
    """Every customer company with its status, group and sales representative."""
    from commerce.companies.repository import CompanyRepository
    from commerce.companies.service import company_dict

    try:
        with transaction() as tx:
            rows = [company_dict(c) for c in CompanyRepository(tx).find()]
    except DiscoveryError as exc:
        _fail(exc)
    print_rows(rows, ("id", "name", "status", "customer_group", "sales_rep_id"), "companies",
           as_json, "no companies yet: discovery companies create --name ...")
