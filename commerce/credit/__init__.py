"""Credit limits and payment terms (C12, C13): terms per company, reservations of credit by
placed orders (receivables), payments, and the overview of what is outstanding and overdue."""
