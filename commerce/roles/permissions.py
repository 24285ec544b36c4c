"""The permission list and the built-in roles (C3). The README's table "Permissions" is this
module in prose; keep both in step (a test compares them).

Permissions are stable names that endpoints ask for with ``require_permission``; custom roles
are built from them. Seller roles (``administrator``, ``sales_representative``) belong to the
user, not to a company: an administrator may do everything in every customer company, a sales
representative what its role allows in the companies assigned to it. Customer roles are held
in one company (a membership); a user may hold several roles in several companies.
"""

from __future__ import annotations

PERMISSIONS: dict[str, str] = {
    # the seller's side
    "companies.read": "see every customer company (a sales representative: the assigned ones)",
    "companies.manage": "create customer companies, approve, block, set the customer group "
                        "and the sales representative",
    "companies.act_as": "switch into a customer company and act as it (audited)",
    "users.manage": "create and block seller-side users (administrators, sales representatives)",
    "roles.manage": "create and change custom roles",
    "keys.manage": "create storefront public keys scoped to a customer company",
    "catalog.import": "import catalog files over HTTP",
    # a company's own data
    "company.read": "see the company's data, departments and addresses",
    "company.manage": "change the company's data, departments and addresses",
    "accounts.read": "see the company's employees and their roles",
    "accounts.manage": "add and remove employees, change their roles, block them, reset their "
                       "passwords",
    "audit.read": "read the audit log (of the company; administrators: all)",
    "delegations.manage": "see and end every delegation of the company",
    # prices and assortments (issue 7, the price lists)
    "prices.read": "see the company's prices and price lists",
    "prices.manage": "change price lists, discounts and terms",
    "assortments.manage": "change customer assortments",
    # orders, approvals, invoices (issue 8)
    "orders.read": "see one's own orders",
    "orders.read_department": "see the orders of one's own department",
    "orders.read_all": "see every order of the company",
    "orders.place": "create carts and place orders",
    "orders.edit": "change parts of an order",
    "orders.cancel": "cancel an order",
    "orders.receive": "receive deliveries (order recipient)",
    "approvals.orders": "approve or reject orders",
    "approvals.invoices": "approve or reject invoices",
    "approvals.withdraw": "withdraw an approval given",
    "approvals.configure": "configure the company's approval workflows",
    "invoices.read": "see the company's invoices",
    "invoices.approve": "set an invoice's status (after which its data cannot change)",
    # credit and payment terms (issue 8)
    "payments.record": "record customers' payments of orders bought on credit",
}

DELEGABLE = frozenset({"approvals.orders", "approvals.invoices", "approvals.withdraw",
                       "invoices.approve"})
"""What a user can lend to a substitute for a time (C5): approval rights."""

PRIVILEGED = frozenset({"companies.manage", "companies.act_as", "users.manage", "roles.manage",
                        "accounts.manage", "approvals.orders", "approvals.invoices",
                        "invoices.approve"})
"""Holding any of these (through any role) makes two-factor login mandatory (C8)."""

SELLER_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "administrator": ("Administrator", frozenset(PERMISSIONS)),
    "sales_representative": ("Sales representative", frozenset({
        "companies.read", "companies.act_as", "company.read", "company.manage",
        "accounts.read", "accounts.manage", "audit.read", "delegations.manage",
        "prices.read", "prices.manage", "assortments.manage",
        "orders.read", "orders.read_all", "orders.place", "orders.edit", "orders.cancel",
        "invoices.read", "payments.record"})),
}

_ORDERING = frozenset({"company.read", "prices.read", "orders.read", "orders.place",
                       "orders.edit", "orders.cancel"})

CUSTOMER_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "company_admin": ("Company admin", frozenset({
        "company.read", "company.manage", "accounts.read", "accounts.manage", "audit.read",
        "delegations.manage", "prices.read", "orders.read", "orders.read_all", "orders.place",
        "orders.edit", "orders.cancel", "orders.receive", "approvals.orders",
        "approvals.invoices", "approvals.withdraw", "approvals.configure", "invoices.read",
        "invoices.approve"})),
    "approver": ("Approver", frozenset({
        "company.read", "prices.read", "orders.read", "orders.read_all", "approvals.orders",
        "approvals.invoices", "approvals.withdraw", "invoices.read", "invoices.approve"})),
    "purchasing_manager": ("Purchasing manager", _ORDERING | {
        "orders.read_department", "accounts.read", "invoices.read"}),
    "order_recipient": ("Order recipient", frozenset({
        "company.read", "orders.read", "orders.receive"})),
    "buyer": ("Buyer", _ORDERING),
}

SELLER_SCOPED = frozenset({"companies.read", "companies.manage", "companies.act_as",
                           "users.manage", "roles.manage", "keys.manage", "catalog.import",
                           "payments.record"})
"""Permissions that only seller-side roles can hold (a custom role may not include them)."""


def unknown(permissions: list[str] | set[str] | frozenset[str]) -> list[str]:
    return sorted(set(permissions) - set(PERMISSIONS))
