"""``discovery keys``: public (search-only) API keys of storefronts (S12).

A sub-app of :mod:`api.cli`, in its own module so that the shared command line file only
registers it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from catalog.errors import DiscoveryError
from catalog.settings import get_settings

if TYPE_CHECKING:  # loaded by the commands that need it: `discovery --help` stays quick
    from commerce.access import PublicKeyInfo, PublicKeys

keys_app = typer.Typer(help="Public (search-only) API keys of storefronts, with the origins "
                       "(sites) whose browsers may use them.", no_args_is_help=True)
_err = Console(stderr=True, soft_wrap=True)  # errors stay one line: logs and scripts read them
_out = Console()


def _fail(exc: DiscoveryError, code: int = 2) -> None:
    where = f" ({exc.field})" if exc.field else ""
    _err.print(f"[red]error{where}:[/red] {exc.detail}", highlight=False, markup=True)
    raise typer.Exit(code)


@contextmanager
def _keys() -> Iterator[PublicKeys]:
    """The store alone: managing keys needs neither the search index nor the query log."""
    from catalog.store import CatalogStore
    from commerce.access import PublicKeys

    store = CatalogStore(get_settings().resolved_database_url())
    try:
        store.migrate()
        yield PublicKeys(store.engine)
    finally:
        store.engine.dispose()


def _describe(info: PublicKeyInfo) -> str:
    if info.revoked_at is not None:
        state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}"
    elif info.expires_at is not None:
        state = (f"expired {info.expires_at:%Y-%m-%d %H:%M}" if info.expired
                 else f"active until {info.expires_at:%Y-%m-%d %H:%M}")
    else:
        state = "active"
    scope = f"  company {info.company_id}" if info.company_id is not None else ""
    return (f"{info.token}  {info.name}  {', '.join(info.origins) or '(no origins)'}{scope}  "
            f"{state}")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="What the key is for (the shop).")],
    origin: Annotated[list[str] | None, typer.Option(
        "--origin", help="A site whose browsers may use the key, like https://shop.example "
        "(repeat for several).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the key as JSON.")] = False,
    company: Annotated[int | None, typer.Option(
        "--company", help="Scope the key to a customer company (id): searches with it see that "
        "company's assortment and prices.")] = None,
    expires: Annotated[datetime | None, typer.Option(
        "--expires", help="When the key stops working (UTC), like 2027-06-30 or "
        "2027-06-30T18:00.")] = None,
) -> None:
    """Create a public key; prints its token (put it in the storefront's search client)."""
    try:
        with _keys() as keys:
            info = keys.create(name, origin or [], company_id=company, expires_at=expires)
    except DiscoveryError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(info.to_dict()) + "\n")
        return
    sys.stdout.write(info.token + "\n")
    if not info.origins:
        _err.print("no --origin: browsers on other sites cannot use this key (servers can)")


@keys_app.command("list")
def keys_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the keys as JSON.")] = False,
) -> None:
    """List every public key, revoked ones included."""
    try:
        with _keys() as keys:
            found = keys.list()
    except DiscoveryError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps([info.to_dict() for info in found]) + "\n")
        return
    if not found:
        _err.print("no public keys; create one with `discovery keys create --name ... "
                   "--origin https://...`")
        return
    for info in found:  # whole tokens, one key a line (a table would cut them)
        created = f"{info.created_at:%Y-%m-%d %H:%M}" if info.created_at else ""
        _out.print(f"{_describe(info)}  created {created}", highlight=False, markup=False,
                   soft_wrap=True)


@keys_app.command("revoke")
def keys_revoke(
    token: Annotated[str, typer.Argument(help="The key's token (pk_...).")],
) -> None:
    """Revoke a public key: requests presenting it are refused (401) within
    DISCOVERY_PUBLIC_KEY_CACHE_S seconds."""
    try:
        with _keys() as keys:
            info = keys.revoke(token)
    except DiscoveryError as exc:
        _fail(exc)
    _err.print(f"revoked: {_describe(info)}", highlight=False, markup=False)
