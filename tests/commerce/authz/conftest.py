"""The company-accounts test world (see tests/commerce/accounts_world.py)."""

from tests.commerce.accounts_world import world  # noqa: F401
