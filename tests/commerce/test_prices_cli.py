"""``discovery prices`` and ``discovery assortments``: price lists and assortments from the
command line through the same services as the HTTP API (validation, CSV import report, audit
entries by ``cli``); bad input names the option and exits non-zero without a trace."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import app
from catalog.settings import Settings, get_settings
from catalog.store import CatalogStore
from tests.commerce.pricing_world import add_companies, add_products

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data folder with products A-1, A-2, B-1 and the company Acme (id 1, group retail)."""
    monkeypatch.setenv("DISCOVERY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DISCOVERY_DATABASE_URL", raising=False)
    monkeypatch.delenv("DISCOVERY_PRICE_CURRENCY", raising=False)
    get_settings.cache_clear()  # the commands read the settings of this test's data folder
    store = CatalogStore(Settings(data_dir=tmp_path).resolved_database_url())
    store.migrate()
    add_products(store, [{"sku": "A-1", "brand": "Fastek", "category": "Fasteners > Bolts"},
                         {"sku": "A-2", "brand": "Fastek", "category": "Fasteners > Nuts"},
                         {"sku": "B-1", "brand": "Glovo", "category": "Safety > Gloves"}])
    assert add_companies(store, {"Acme": "retail"}) == {"Acme": 1}
    store.engine.dispose()
    yield tmp_path
    get_settings.cache_clear()


def _run(*args: str):  # noqa: ANN202 - typer's Result
    return runner.invoke(app, list(args))


def _audit(data_dir: Path) -> list[tuple[str, str]]:
    from commerce.audit.models import AuditEntry

    store = CatalogStore(Settings(data_dir=data_dir).resolved_database_url())
    with store.engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.actor, AuditEntry.action)
                            .order_by(AuditEntry.id)).all()
    store.engine.dispose()
    return [(r.actor, r.action) for r in rows]


def _lines(list_id: int) -> list[dict[str, object]]:
    exported = _run("prices", "export", str(list_id))
    assert exported.exit_code == 0, exported.output
    return list(csv.DictReader(exported.stdout.splitlines()))


def test_create_and_list(data_dir: Path) -> None:
    base = _run("prices", "create", "--name", "Base", "--kind", "base")
    assert base.exit_code == 0, base.output
    assert base.stdout.strip() == "1"
    contract = _run("prices", "create", "--name", "Acme contract", "--kind", "customer",
                    "--company", "1", "--currency", "usd", "--priority", "5",
                    "--valid-from", "2026-01-01", "--json")
    assert contract.exit_code == 0, contract.output
    made = json.loads(contract.stdout)
    assert (made["kind"], made["company_id"], made["currency"], made["priority"],
            made["valid_from"]) == ("customer", 1, "USD", 5, "2026-01-01T00:00:00")
    group = _run("prices", "create", "--name", "Retail", "--kind", "group", "--group", "retail")
    assert group.exit_code == 0, group.output

    every = json.loads(_run("prices", "lists", "--json").stdout)
    assert [(x["id"], x["name"], x["currency"], x["line_count"]) for x in every] == [
        (1, "Base", "EUR", 0), (2, "Acme contract", "USD", 0), (3, "Retail", "EUR", 0)]
    assert [x["id"] for x in json.loads(_run("prices", "lists", "--company", "1",
                                             "--json").stdout)] == [2]
    assert [x["id"] for x in json.loads(_run("prices", "lists", "--group", "retail",
                                             "--json").stdout)] == [3]
    table = _run("prices", "lists")
    assert table.exit_code == 0 and "Acme" in table.stdout and "everyone" in table.stdout
    assert _audit(data_dir) == [("cli", "price_list.create")] * 3


def test_import_keeps_good_rows_and_reports_bad_ones(data_dir: Path, tmp_path: Path) -> None:
    assert _run("prices", "create", "--name", "Base", "--kind", "base").exit_code == 0
    csv_file = tmp_path / "lines.csv"
    csv_file.write_text("sku;unit_price;min_qty\nA-1;1,5;1\nA-1;1.20;100\nA-2;-3;1\n"
                        "NOPE;2;1\nB-1;0.0123;\n", encoding="utf-8")
    done = _run("prices", "import", "1", str(csv_file))
    assert done.exit_code == 3, done.output  # some rows rejected, the rest saved
    assert "saved 2 of 5 rows, rejected 3" in done.stdout
    assert "row 2 sku A-1 (unit_price):" in done.stdout
    assert "row 4 sku A-2 (unit_price):" in done.stdout
    assert "row 5 sku NOPE (sku): unknown SKU 'NOPE'" in done.stdout
    assert [(x["sku"], x["min_qty"], x["unit_price"]) for x in _lines(1)] == [
        ("A-1", "100", "1.2000"), ("B-1", "1", "0.0123")]

    again = _run("prices", "import", "1", str(csv_file), "--json")
    assert again.exit_code == 3
    report = json.loads(again.stdout)
    assert (report["rows"], report["saved"]) == (5, 2)
    assert [(p["row"], p["field"]) for p in report["rejected"]] == [
        (2, "unit_price"), (4, "unit_price"), (5, "sku")]

    good = tmp_path / "good.csv"
    good.write_text("sku,unit_price\nA-2,3.5\n", encoding="utf-8")
    ok = _run("prices", "import", "1", str(good))
    assert ok.exit_code == 0 and "saved 1 of 1 rows, rejected 0" in ok.stdout
    assert _audit(data_dir)[1:] == [("cli", "price_list.import")] * 3


def test_atomic_import_rolls_back_the_whole_file(data_dir: Path, tmp_path: Path) -> None:
    assert _run("prices", "create", "--name", "Base", "--kind", "base").exit_code == 0
    csv_file = tmp_path / "lines.csv"
    csv_file.write_text("sku,unit_price\nA-1,1.00\nA-2,abc\n", encoding="utf-8")
    failed = _run("prices", "import", "1", str(csv_file), "--atomic")
    assert failed.exit_code == 2
    assert "row 3 sku A-2 (unit_price):" in failed.stdout
    assert "1 of 2 rows are invalid; nothing was saved" in failed.stderr
    assert "Traceback" not in failed.output
    assert _lines(1) == []
    as_json = _run("prices", "import", "1", str(csv_file), "--atomic", "--json")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["saved"] == 0
    assert _audit(data_dir) == [("cli", "price_list.create")]  # no import entry: rolled back


def test_export_import_round_trip(data_dir: Path, tmp_path: Path) -> None:
    for name in ("Source", "Copy"):
        assert _run("prices", "create", "--name", name, "--kind", "base").exit_code == 0
    source = tmp_path / "source.csv"
    source.write_text("sku,unit_price,min_qty\nA-1,1.25,1\nA-1,1.1,10\nA-1,0.9999,1000\n"
                      "B-1,12,1\n", encoding="utf-8")
    assert _run("prices", "import", "1", str(source)).exit_code == 0
    exported = tmp_path / "export.csv"
    done = _run("prices", "export", "1", "--out", str(exported))
    assert done.exit_code == 0 and "wrote 4 lines" in done.stderr
    assert exported.read_text().splitlines()[0] == "sku,unit_price,min_qty"
    back = _run("prices", "import", "2", str(exported))
    assert back.exit_code == 0, back.output
    assert _lines(2) == _lines(1) and len(_lines(1)) == 4


def test_assortment_set_show_clear(data_dir: Path, tmp_path: Path) -> None:
    body = tmp_path / "rules.json"
    body.write_text(json.dumps({"include_categories": ["Fasteners"],
                                "exclude_skus": ["A-2"]}), encoding="utf-8")
    made = _run("assortments", "set", "--company", "1", str(body), "--json")
    assert made.exit_code == 0, made.output
    rules = json.loads(made.stdout)
    assert (rules["company_id"], rules["include_categories"], rules["exclude_skus"]) == (
        1, ["Fasteners"], ["A-2"])
    shown = _run("assortments", "show", "--company", "1")
    assert shown.exit_code == 0
    assert "include_categories: Fasteners" in shown.stdout and "exclude_skus: A-2" in shown.stdout
    group = tmp_path / "group.json"
    group.write_text(json.dumps({"include_brands": ["Glovo"]}), encoding="utf-8")
    assert _run("assortments", "set", "--group", "retail", str(group)).exit_code == 0
    assert json.loads(_run("assortments", "show", "--group", "retail", "--json").stdout)[
        "include_brands"] == ["Glovo"]

    cleared = _run("assortments", "clear", "--company", "1")
    assert cleared.exit_code == 0 and "cleared" in cleared.stderr
    after = json.loads(_run("assortments", "show", "--company", "1", "--json").stdout)
    assert not any(v for k, v in after.items() if k not in ("company_id", "customer_group"))
    assert "no rules" in _run("assortments", "show", "--company", "1").stdout
    assert _audit(data_dir) == [("cli", "assortment.put"), ("cli", "assortment.put"),
                                ("cli", "assortment.delete")]


@pytest.mark.parametrize(("args", "expected"), [
    (("prices", "import", "9", "{csv}"), "(LIST_ID): no price list 9"),
    (("prices", "export", "9"), "(LIST_ID): no price list 9"),
    (("prices", "import", "1", "{missing}"), "(file): cannot read"),
    (("prices", "import", "1", "{nocols}"), "(file): the CSV file lacks the column(s) unit_price"),
    (("prices", "lists", "--company", "7"), "(--company): no company 7"),
    (("prices", "create", "--name", "C", "--kind", "customer", "--company", "7"),
     "(--company): no company 7"),
    (("prices", "create", "--name", "G", "--kind", "group"), "(--group): a group list needs"),
    (("prices", "create", "--name", "B", "--kind", "base", "--company", "1"),
     "(--company): --company belongs to a list of --kind customer"),
    (("prices", "create", "--name", "X", "--kind", "special"), "(--kind): kind must be one of"),
    (("prices", "create", "--name", "X", "--kind", "base", "--currency", "XYZ"), "(--currency)"),
    (("prices", "create", "--name", "X", "--kind", "base", "--valid-from", "2026-02-01",
      "--valid-to", "2026-01-01"), "(--valid-to): valid_to must be after valid_from"),
    (("assortments", "show"), "give either --company or --group"),
    (("assortments", "show", "--company", "1", "--group", "retail"), "give either --company"),
    (("assortments", "show", "--company", "7"), "(--company): no company 7"),
    (("assortments", "set", "--company", "1", "{missing}"), "(file): cannot read"),
    (("assortments", "set", "--company", "1", "{csv}"), "(file):"),
    (("assortments", "set", "--company", "1", "{badfield}"), "include_brandz"),
    (("assortments", "set", "--company", "1", "{badsku}"), "(exclude_skus): unknown SKU(s)"),
    (("assortments", "clear", "--group", " "), "(--group): customer_group must be a name"),
])
def test_errors_name_the_parameter(data_dir: Path, tmp_path: Path, args: tuple[str, ...],
                                   expected: str) -> None:
    assert _run("prices", "create", "--name", "Base", "--kind", "base").exit_code == 0
    files = {"csv": tmp_path / "x.csv", "nocols": tmp_path / "nocols.csv",
             "missing": tmp_path / "missing.csv", "badfield": tmp_path / "badfield.json",
             "badsku": tmp_path / "badsku.json"}
    files["csv"].write_text("sku,unit_price\nA-1,1\n", encoding="utf-8")
    files["nocols"].write_text("sku,price\nA-1,1\n", encoding="utf-8")
    files["badfield"].write_text('{"include_brandz": ["X"]}', encoding="utf-8")
    files["badsku"].write_text('{"exclude_skus": ["NOPE"]}', encoding="utf-8")
    result = _run(*(a.format(**files) for a in args))
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # typer.Exit, not an uncaught error
