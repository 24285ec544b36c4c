"""All SQL of quick orders: customers' part numbers and the catalog's part-number columns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from catalog.models import Product
from commerce.quickorder.models import CustomerPartNumber


class QuickOrderRepository:
    def __init__(self, tx: Session) -> None:
        self.tx = tx

    # -- customers' part numbers ---------------------------------------------------------
    def part_numbers(self, company_id: int) -> list[CustomerPartNumber]:
        return list(self.tx.scalars(
            select(CustomerPartNumber).where(CustomerPartNumber.company_id == company_id)
            .order_by(CustomerPartNumber.part_key)))

    def part_keys(self, company_id: int) -> dict[str, str]:
        """Normalised part number -> SKU of the company."""
        return {k: s for k, s in self.tx.execute(
            select(CustomerPartNumber.part_key, CustomerPartNumber.sku)
            .where(CustomerPartNumber.company_id == company_id))}

    def part_number(self, mapping_id: int) -> CustomerPartNumber | None:
        return self.tx.get(CustomerPartNumber, mapping_id)

    def by_key(self, company_id: int, part_key: str) -> CustomerPartNumber | None:
        return self.tx.scalars(select(CustomerPartNumber).where(
            CustomerPartNumber.company_id == company_id,
            CustomerPartNumber.part_key == part_key)).first()

    def add_part_number(self, row: CustomerPartNumber) -> None:
        self.tx.add(row)

    def delete_part_number(self, row: CustomerPartNumber) -> None:
        self.tx.delete(row)
        self.tx.flush()

    def delete_part_numbers(self, company_id: int) -> None:
        self.tx.execute(delete(CustomerPartNumber)
                        .where(CustomerPartNumber.company_id == company_id))

    def flush(self) -> None:
        self.tx.flush()

    # -- the catalog's part numbers ------------------------------------------------------
    def identifiers(self) -> Iterator[Any]:
        """(sku, mpn, gtin) of every product: what normalised SKU, MPN and GTIN matching
        compares with (the database has no index on normalised part numbers)."""
        # the session's connection (its transaction) without the ORM's row processing
        result = self.tx.connection().execute(
            select(Product.sku, Product.mpn, Product.gtin).execution_options(yield_per=20_000))
        for part in result.partitions():
            yield from part
