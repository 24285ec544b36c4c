"""GET /v1/audit: filters, paging, who reads what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.commerce.accounts_world import PASSWORD, Account, World


def test_audit_filters_and_scopes(world: World) -> None:
    acme, globex = world.company("Acme"), world.company("Globex")
    seller = world.sign_in(world.user(seller_role="administrator"))
    acme_admin = world.sign_in(world.user(company=acme, roles=("company_admin",)))
    for i in range(3):
        assert world.client.post(f"/v1/companies/{acme}/users", headers=acme_admin.headers,
                                 json={"email": f"a{i}@acme.example", "name": "A",
                                       "password": PASSWORD, "roles": ["buyer"]}
                                 ).status_code == 201
    assert world.client.patch(f"/v1/companies/{globex}", headers=seller.headers,
                              json={"customer_group": "vip"}).status_code == 200

    def audit(who: Account, **params: Any) -> Any:
        return world.client.get("/v1/audit", headers=who.headers, params=params)

    everything = audit(seller).json()["entries"]
    assert [e["action"] for e in everything[:4]] == ["company.update", "employee.add",
                                                     "employee.add", "employee.add"]
    assert everything[0]["details"]["changes"]["customer_group"] == {"from": "retail",
                                                                      "to": "vip"}
    page = audit(seller, action="employee.*", limit=2).json()
    assert len(page["entries"]) == 2 and page["next_before_id"] is not None
    rest = audit(seller, action="employee.*", before_id=page["next_before_id"]).json()
    assert len(rest["entries"]) == 1
    mine = audit(seller, actor_id=acme_admin.id).json()["entries"]
    assert {e["actor"] for e in mine} == {acme_admin.email}
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert audit(seller, since=later).json()["entries"] == []
    earlier = (datetime.now(UTC) - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert len(audit(seller, since=earlier).json()["entries"]) == len(everything)
    # a company admin reads its own company's log only
    own = audit(acme_admin).json()["entries"]
    assert own and {e["company_id"] for e in own} == {acme}
    assert audit(acme_admin, company_id=globex).status_code == 404
    bad = audit(seller, limit=0)
    assert bad.status_code == 400 and bad.json()["field"] == "limit"
