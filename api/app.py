"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import cors, errors
from api.container import Services, build_services
from api.routers import (
    algolia,
    analytics,
    auth,
    barcodes,
    documents,
    evaluations,
    health,
    image_search,
    imports,
    media,
    merchandising,
    products,
    search,
    voice,
    web,
)
from catalog.settings import Settings, get_settings
from commerce.approvals import router as approvals_router
from commerce.assortments import router as assortments_router
from commerce.audit import router as audit_router
from commerce.carts import router as carts_router
from commerce.companies import router as companies_router
from commerce.credit import router as credit_router
from commerce.db import session_factory
from commerce.orders import router as orders_router
from commerce.prices import router as prices_router
from commerce.quickorder import router as quickorder_router
from commerce.roles import router as roles_router
from commerce.users import router as users_router


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = services or build_services(settings)
        served = app.state.services
        app.state.commerce_sessions = session_factory(served.store.engine)
        if served.semantic is not None and served.search.config.hybrid.enabled:
            served.semantic.start(catch_up=True)  # load the model and vectors, embed what lacks
        if served.images is not None and served.images.configured:
            served.images.start(catch_up=True)  # search by photo: the same for product images
        if served.voice is not None:
            served.voice.start()  # search by voice: load a configured model in the background
        try:
            yield
        finally:
            app.state.services.close()

    app = FastAPI(
        title="B2B Discovery",
        version="0.1.0",
        description="Search-centric catalog and discovery for B2B sellers.",
        lifespan=lifespan,
    )
    errors.install(app)
    cors.install(app, settings)
    for module in (search, image_search, barcodes, voice, products, documents, media, imports,
                   analytics, merchandising, health, algolia, auth, evaluations, web):
        app.include_router(module.router)
    # company accounts, roles, companies and the audit log (issue 7)
    for account_module in (users_router, companies_router, roles_router, audit_router):
        app.include_router(account_module.router)
    # price lists, discounts, VAT, quotes and assortments (issue 7)
    for price_module in (prices_router, assortments_router):
        app.include_router(price_module.router)
    # carts, saved lists, quick order and shopping-list import (issue 8, W2)
    for cart_module in (quickorder_router, carts_router):
        app.include_router(cart_module.router)
    # credit limits, payment terms, payments and the overview (issue 8, C12, C13)
    app.include_router(credit_router.router)
    # orders and approval workflows (issue 8, C6, C7, C10)
    for order_module in (orders_router, approvals_router):
        app.include_router(order_module.router)
    return app
