"""Price lists, discounts, VAT and quotes (P3), and the per-customer price view search uses (S13)."""
