"""``/v1/carts``: several named carts per buyer, their lines, shares and the cart view with
prices (W2, W5); ``/v1/carts/saved-lists``: saved lists to add from. Every endpoint needs
``orders.place``; who may do what with a cart: :mod:`commerce.carts.service`. Quick order and
shopping-list import are in :mod:`commerce.quickorder.router`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from commerce.carts.schemas import (
    CartIn,
    FromListIn,
    LineIn,
    LinePatch,
    SavedListIn,
    SavedListPatch,
    SearchLineIn,
    ShareIn,
)
from commerce.carts.service import CartService, SavedListService
from commerce.db import Tx
from commerce.identity import Principal, require_permission, settings_of

router = APIRouter(tags=["carts"])
service = CartService()
lists = SavedListService()

Buyer = Annotated[Principal, Depends(require_permission("orders.place"))]


# -- saved lists (before /v1/carts/{cart_id} so that the paths do not collide) ---------------
@router.get("/v1/carts/saved-lists")
def list_saved_lists(tx: Tx, principal: Buyer) -> dict[str, Any]:
    return {"saved_lists": lists.lists(tx, principal)}


@router.post("/v1/carts/saved-lists", status_code=201)
def create_saved_list(body: SavedListIn, tx: Tx, principal: Buyer) -> dict[str, Any]:
    return lists.create(tx, principal, body.model_dump())


@router.get("/v1/carts/saved-lists/{list_id}")
def get_saved_list(list_id: int, tx: Tx, principal: Buyer) -> dict[str, Any]:
    return lists.get(tx, principal, list_id)


@router.patch("/v1/carts/saved-lists/{list_id}")
def update_saved_list(list_id: int, body: SavedListPatch, tx: Tx, principal: Buyer
                      ) -> dict[str, Any]:
    return lists.update(tx, principal, list_id, body.model_dump(exclude_unset=True))


@router.delete("/v1/carts/saved-lists/{list_id}", status_code=204)
def delete_saved_list(list_id: int, tx: Tx, principal: Buyer) -> Response:
    lists.delete(tx, principal, list_id)
    return Response(status_code=204)


@router.post("/v1/carts/{cart_id}/save-as-list", status_code=201)
def save_cart_as_list(cart_id: int, body: CartIn, tx: Tx, principal: Buyer) -> dict[str, Any]:
    """A new saved list (owned by the caller) with the cart's lines."""
    return lists.from_cart(tx, principal, cart_id, body.name)


# -- carts -----------------------------------------------------------------------------------
@router.get("/v1/carts")
def list_carts(tx: Tx, principal: Buyer) -> dict[str, Any]:
    """My carts in the current company and those colleagues shared with me."""
    return {"carts": service.carts(tx, principal)}


@router.post("/v1/carts", status_code=201)
def create_cart(body: CartIn, tx: Tx, principal: Buyer) -> dict[str, Any]:
    return service.create(tx, principal, body.name)


@router.get("/v1/carts/{cart_id}")
def get_cart(cart_id: int, request: Request, tx: Tx, principal: Buyer,
             currency: str | None = None) -> dict[str, Any]:
    """The cart with the buyer's net and gross prices, totals and the approval path."""
    return service.view(tx, principal, cart_id,
                        currency or settings_of(request).price_currency)


@router.patch("/v1/carts/{cart_id}")
def rename_cart(cart_id: int, body: CartIn, tx: Tx, principal: Buyer) -> dict[str, Any]:
    return service.rename(tx, principal, cart_id, body.name)


@router.delete("/v1/carts/{cart_id}", status_code=204)
def delete_cart(cart_id: int, tx: Tx, principal: Buyer) -> Response:
    service.delete(tx, principal, cart_id)
    return Response(status_code=204)


@router.post("/v1/carts/{cart_id}/lines", status_code=201)
def add_line(cart_id: int, body: LineIn, tx: Tx, principal: Buyer) -> dict[str, Any]:
    """Add by SKU; a SKU the cart holds gets the quantity added."""
    return service.add(tx, principal, cart_id, body.sku, body.qty, body.note)


@router.post("/v1/carts/{cart_id}/lines/from-search", status_code=201)
def add_from_search(cart_id: int, body: SearchLineIn, tx: Tx, principal: Buyer
                    ) -> dict[str, Any]:
    return service.add(tx, principal, cart_id, body.sku, body.qty, body.note,
                       added_from="search", search_id=body.search_id)


@router.post("/v1/carts/{cart_id}/lines/from-list", status_code=201)
def add_from_list(cart_id: int, body: FromListIn, tx: Tx, principal: Buyer) -> dict[str, Any]:
    return service.add_from_list(tx, principal, cart_id, body.list_id, body.skus)


@router.patch("/v1/carts/{cart_id}/lines/{line_id}")
def update_line(cart_id: int, line_id: int, body: LinePatch, tx: Tx, principal: Buyer
                ) -> dict[str, Any]:
    return service.update_line(tx, principal, cart_id, line_id,
                               body.model_dump(exclude_unset=True))


@router.delete("/v1/carts/{cart_id}/lines/{line_id}", status_code=204)
def remove_line(cart_id: int, line_id: int, tx: Tx, principal: Buyer) -> Response:
    service.remove_line(tx, principal, cart_id, line_id)
    return Response(status_code=204)


@router.put("/v1/carts/{cart_id}/shares/{user_id}")
def share_cart(cart_id: int, user_id: int, body: ShareIn, tx: Tx, principal: Buyer
               ) -> dict[str, Any]:
    """Share with a colleague of the same company: ``access`` read or edit."""
    return service.share(tx, principal, cart_id, user_id, body.access)


@router.delete("/v1/carts/{cart_id}/shares/{user_id}", status_code=204)
def unshare_cart(cart_id: int, user_id: int, tx: Tx, principal: Buyer) -> Response:
    """The owner ends a share; a colleague may leave a cart shared with it."""
    service.unshare(tx, principal, cart_id, user_id)
    return Response(status_code=204)
