"""Approval rules and decisions on orders (C7, C10)."""
