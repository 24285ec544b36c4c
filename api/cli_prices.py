"""``discovery prices`` and ``discovery assortments``: the seller's operators manage price lists
and assortments on the database directly, like ``discovery users`` (whoever runs the server).

Every command goes through :class:`commerce.prices.service.PriceService` and
:class:`commerce.assortments.service.AssortmentService`: the same validation, the same CSV
import and report as ``POST /v1/price-lists/{id}/import``, the same audit entries, with the
actor ``cli``. One transaction per command: it commits whole or not at all.

Exit codes: 0 done; 2 an error, nothing written (an unknown list or company, a bad file, bad
options, ``--atomic`` with a rejected row); 3 ``prices import`` saved the good rows and rejected
some.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from api.cli_accounts import err, out, print_rows, transaction
from catalog.errors import DiscoveryError, InvalidInput, NotFound
from catalog.settings import get_settings

ACTOR = "cli"
EXIT_ERROR = 2
EXIT_REJECTED = 3
EXPORT_PAGE = 10_000
CSV_COLUMNS = ("sku", "unit_price", "min_qty")

prices_app = typer.Typer(help="Price lists: list, create, import lines from CSV, export them.",
                         no_args_is_help=True)
assortments_app = typer.Typer(help="Assortments of a company or a customer group: show, set, "
                              "clear.", no_args_is_help=True)

# The services name fields as the HTTP API does; the command line names its own options.
_OPTION = {"company_id": "--company", "customer_group": "--group", "price_list_id": "LIST_ID",
           "valid_from": "--valid-from", "valid_to": "--valid-to", "name": "--name",
           "kind": "--kind", "currency": "--currency", "priority": "--priority"}


def _fail(exc: DiscoveryError, code: int = EXIT_ERROR) -> NoReturn:
    where = f" ({_OPTION.get(exc.field, exc.field)})" if exc.field else ""
    err.print(f"[red]error{where}:[/red] {exc.detail}", highlight=False, markup=True)
    raise typer.Exit(code)


def _read(path: Path, field: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}", field=field) from None


def _check_company(tx: Any, company_id: int) -> None:
    from commerce.companies.repository import CompanyRepository

    if CompanyRepository(tx).get(company_id) is None:
        raise NotFound(f"no company {company_id}", field="company_id")


# -- prices --------------------------------------------------------------------------------------
@prices_app.command("lists")
def prices_lists(
    company: Annotated[int | None, typer.Option(
        "--company", help="Only the contract (customer) lists of this company (id).")] = None,
    group: Annotated[str | None, typer.Option(
        "--group", help="Only the group lists of this customer group.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="base, group or customer.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the lists as JSON.")] = False,
) -> None:
    """Every price list with its kind, audience, currency, priority, validity and line count."""
    from commerce.prices.service import PriceService

    try:
        with transaction() as tx:
            if company is not None:
                _check_company(tx, company)
            rows = PriceService().lists(tx, kind=kind, company_id=company,
                                        customer_group=group)
    except DiscoveryError as exc:
        _fail(exc)
    if not as_json:  # a table that fits a terminal: one audience column, one validity column
        rows = [{**r, "for": r["customer_group"] or (
            f"company {r['company_id']}" if r["company_id"] is not None else "everyone"),
            "valid": f"{(r['valid_from'] or '')[:16]}..{(r['valid_to'] or '')[:16]}",
            "lines": r["line_count"]} for r in rows]
    print_rows(rows, ("id", "name", "kind", "for", "currency", "priority", "valid", "lines"),
           "price lists", as_json,
           "no price lists: discovery prices create --name ... --kind base")


@prices_app.command("create")
def prices_create(
    name: Annotated[str, typer.Option("--name", help="The list's name.")],
    kind: Annotated[str, typer.Option(
        "--kind", help="base (everyone), group (--group) or customer (--company).")],
    group: Annotated[str | None, typer.Option(
        "--group", help="The customer group of a group list.")] = None,
    company: Annotated[int | None, typer.Option(
        "--company", help="The company (id) of a customer (contract) list.")] = None,
    currency: Annotated[str | None, typer.Option(
        "--currency", help="ISO 4217 code (default: DISCOVERY_PRICE_CURRENCY).")] = None,
    priority: Annotated[int, typer.Option(
        "--priority", help="Higher wins among lists of the same kind.")] = 0,
    valid_from: Annotated[str | None, typer.Option(
        "--valid-from", help="ISO 8601 date or time (inclusive); default: open.")] = None,
    valid_to: Annotated[str | None, typer.Option(
        "--valid-to", help="ISO 8601 date or time (exclusive); default: open.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """Create an empty price list; prints its id (fill it with `discovery prices import`)."""
    from commerce.prices.service import PriceService

    try:
        if group is not None and kind != "group":
            raise InvalidInput("--group belongs to a list of --kind group", field="customer_group")
        if company is not None and kind != "customer":
            raise InvalidInput("--company belongs to a list of --kind customer",
                               field="company_id")
        if kind == "group" and group is None:
            raise InvalidInput("a group list needs --group", field="customer_group")
        if kind == "customer" and company is None:
            raise InvalidInput("a customer list needs --company", field="company_id")
        data: dict[str, Any] = {
            "name": name, "kind": kind, "customer_group": group, "company_id": company,
            "currency": currency or get_settings().price_currency, "priority": priority,
            "valid_from": valid_from, "valid_to": valid_to, "lines": []}
        with transaction() as tx:
            made = PriceService().create_list(tx, ACTOR, data)
    except DiscoveryError as exc:
        _fail(exc)
    sys.stdout.write((json.dumps(made) if as_json else str(made["id"])) + "\n")


@prices_app.command("import")
def prices_import(
    list_id: Annotated[int, typer.Argument(metavar="LIST_ID", help="The price list's id.")],
    file: Annotated[Path, typer.Argument(
        metavar="FILE.csv", help="CSV with the columns sku, unit_price and optionally min_qty "
        "(default 1); comma or semicolon separated, UTF-8.")],
    atomic: Annotated[bool, typer.Option(
        "--atomic", help="One bad row rejects the whole file; nothing is saved.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import tiers from a CSV file: good rows saved, rejected rows reported.

    A tier (sku, min_qty) the list has gets the new price. Every rejected row is reported with
    its row number (the header is row 1), field and reason.

    Exit code 0: every row saved; 3: some rows rejected (the rest saved); 2: nothing saved (an
    unknown list, an unreadable file, or --atomic with a rejected row)."""
    from commerce.prices.service import InvalidLines, PriceService

    try:
        data = _read(file, "file")
        with transaction() as tx:
            report = PriceService().import_csv(tx, ACTOR, list_id, data, atomic=atomic)
    except InvalidLines as exc:  # --atomic: rolled back whole
        _report({"rows": None, "saved": 0, "rejected": exc.problems, "error": exc.detail},
                as_json)
        _fail(exc)
    except DiscoveryError as exc:
        _fail(exc)
    _report(report, as_json)
    if report["rejected"]:
        raise typer.Exit(EXIT_REJECTED)


def _report(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(report) + "\n")
        return
    if report.get("rows") is not None:
        out.print(f"saved {report['saved']} of {report['rows']} rows, rejected "
                  f"{len(report['rejected'])}", highlight=False, markup=False)
    for p in report["rejected"]:
        sku = f" sku {p['sku']}" if p.get("sku") else ""
        out.print(f"row {p['row']}{sku} ({p['field']}): {p['detail']}", highlight=False,
                  markup=False)


@prices_app.command("export")
def prices_export(
    list_id: Annotated[int, typer.Argument(metavar="LIST_ID", help="The price list's id.")],
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write the CSV to this file (default: standard output).")] = None,
) -> None:
    """Export the list's lines as CSV in the import's format.

    Columns sku, unit_price, min_qty: an export imported into a list gives the same lines."""
    from commerce.prices.service import PriceService

    service = PriceService()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    try:
        with transaction() as tx:
            while True:
                page = service.lines(tx, list_id, offset=count, limit=EXPORT_PAGE)
                writer.writerows([line[c] for c in CSV_COLUMNS] for line in page)
                count += len(page)
                if len(page) < EXPORT_PAGE:
                    break
        if out_file is None:
            sys.stdout.write(buffer.getvalue())
            return
        try:
            out_file.write_text(buffer.getvalue(), encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"cannot write {out_file}: {exc.strerror or exc}",
                               field="out") from None
    except DiscoveryError as exc:
        _fail(exc)
    err.print(f"wrote {count} lines to {out_file}", highlight=False)


# -- assortments ---------------------------------------------------------------------------------
CompanyOpt = Annotated[int | None, typer.Option("--company", help="A company's id.")]
GroupOpt = Annotated[str | None, typer.Option("--group", help="A customer group's name.")]


def _audience(company: int | None, group: str | None) -> dict[str, Any]:
    if (company is None) == (group is None):
        raise InvalidInput("give either --company or --group", field="company_id")
    return {"company_id": company} if company is not None else {"customer_group": group}


def _print_rules(body: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(body) + "\n")
        return
    who = (f"company {body['company_id']}" if body["company_id"] is not None
           else f"group {body['customer_group']}")
    rules = {k: v for k, v in body.items() if k not in ("company_id", "customer_group")}
    if not any(rules.values()):
        out.print(f"{who}: no rules", highlight=False, markup=False)
        return
    out.print(f"{who}:", highlight=False, markup=False)
    for key, values in rules.items():
        if values:
            out.print(f"  {key}: {', '.join(values)}", highlight=False, markup=False)


@assortments_app.command("show")
def assortments_show(
    company: CompanyOpt = None, group: GroupOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rules as JSON.")] = False,
) -> None:
    """Show the rules of a company or a customer group.

    Only the audience's own rules: a company's group rules are shown with --group."""
    from commerce.assortments.service import AssortmentService

    try:
        audience = _audience(company, group)
        with transaction() as tx:
            body = AssortmentService().get(tx, **audience)
    except DiscoveryError as exc:
        _fail(exc)
    _print_rules(body, as_json)


@assortments_app.command("set")
def assortments_set(
    file: Annotated[Path, typer.Argument(
        metavar="FILE.json", help="The body of PUT /v1/assortments/...: include_categories, "
        "include_brands, include_skus, exclude_categories, exclude_brands, exclude_skus "
        "(lists of strings; missing ones empty).")],
    company: CompanyOpt = None, group: GroupOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rules as JSON.")] = False,
) -> None:
    """Replace the rules of a company or a customer group with the file's."""
    from pydantic import ValidationError

    from commerce.assortments.schemas import AssortmentIn
    from commerce.assortments.service import AssortmentService

    try:
        audience = _audience(company, group)
        try:
            raw = json.loads(_read(file, "file").decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"{file} is not a JSON file: {exc}", field="file") from None
        try:
            body = AssortmentIn.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "file"
            raise InvalidInput(f"{file}: {where}: {first['msg']}", field="file") from None
        with transaction() as tx:
            after = AssortmentService().put(tx, ACTOR, body.model_dump(), **audience)
    except DiscoveryError as exc:
        _fail(exc)
    _print_rules(after, as_json)


@assortments_app.command("clear")
def assortments_clear(company: CompanyOpt = None, group: GroupOpt = None) -> None:
    """Delete every rule of a company or a customer group.

    A company then sees what its group sees; a group without rules, everything."""
    from commerce.assortments.service import AssortmentService

    try:
        audience = _audience(company, group)
        with transaction() as tx:
            AssortmentService().delete(tx, ACTOR, **audience)
    except DiscoveryError as exc:
        _fail(exc)
    who = f"company {company}" if company is not None else f"group {group}"
    err.print(f"cleared the assortment of {who}", highlight=False)
