"""Per-company and per-customer-group assortments (S13): which products a customer may see."""
