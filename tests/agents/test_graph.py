"""The knowledge graph on the small simulated company: neighbourhoods with their evidence,
and search by a paraphrase."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from agents import graph
from odoo_api.warehouse import Warehouse


def _rows(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def churn_scenario(small_marts, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A churned customer of the ground truth that also owes an overdue invoice and has an
    open deal in flight.

    The generator's churned customers simply stop ordering (they pay and have no open deal),
    so the scenario is made the way it would arise in Odoo: an overdue customer invoice and
    an open opportunity of company 1 are given to the churned customer in raw_odoo (the
    records as extracted), then the tables that read them are rebuilt by dbt
    (fct_overdue_invoices and the two graph marts; staging and intermediate are views).
    """
    from tests.dbt.conftest import run_dbt

    folder = tmp_path_factory.mktemp("churn-graph")
    path = small_marts.copy_to(folder)
    churned = [
        c
        for c in small_marts.ground_truth["scenarios"]["churned_customers"]
        if c["company_id"] == 1
    ]
    customer = int(churned[0]["partner_id"])
    with duckdb.connect(str(path)) as con:
        (invoice_id,) = con.execute(
            "select move_id from finance.fct_overdue_invoices where aging_type = 'receivable' "
            "and company_id = 1 and commercial_partner_id <> ? order by days_overdue desc limit 1",
            [customer],
        ).fetchone()
        (deal_id,) = con.execute(
            "select lead_id from intermediate.int_leads_classified where is_open_opportunity "
            "and company_id = 1 order by lead_id limit 1"
        ).fetchone()
        con.execute(
            "update raw_odoo.account_move set partner_id = ?, commercial_partner_id = ? where id = ?",
            [customer, customer, invoice_id],
        )
        con.execute(
            "update raw_odoo.account_move_line set partner_id = ? where move_id = ?",
            [customer, invoice_id],
        )
        con.execute("update raw_odoo.crm_lead set partner_id = ? where id = ?", [customer, deal_id])
    warehouse = Warehouse.from_url(f"duckdb:///{path}")
    run = run_dbt(
        warehouse,
        ["run", "--select", "fct_overdue_invoices", "kg_entities", "kg_edges"],
        folder / "dbt",
    )
    assert run.returncode == 0, run.output[-3000:]
    return {
        "warehouse": warehouse,
        "path": path,
        "customer": customer,
        "invoice": invoice_id,
        "deal": deal_id,
    }


@pytest.mark.integration
@pytest.mark.slow
def test_neighborhood_of_a_churn_risk_customer_has_its_overdue_invoices_open_deals_and_salesperson(
    churn_scenario,
) -> None:
    path, customer = churn_scenario["path"], churn_scenario["customer"]
    # what the marts say about the customer, independently of the graph
    overdue = {
        f"account.move:{m}"
        for (m,) in _rows(
            path,
            "select move_id from finance.fct_overdue_invoices where aging_type = 'receivable' "
            "and commercial_partner_id = ?",
            [customer],
        )
    }
    open_deals = {
        f"crm.lead:{lead}"
        for (lead,) in _rows(
            path,
            "select lead_id from intermediate.int_leads_classified where is_open_opportunity and partner_id = ?",
            [customer],
        )
    }
    ((salesperson_id,),) = _rows(
        path, "select user_id from staging.stg_odoo__res_partners where partner_id = ?", [customer]
    )
    assert f"account.move:{churn_scenario['invoice']}" in overdue
    assert f"crm.lead:{churn_scenario['deal']}" in open_deals
    assert salesperson_id is not None

    hood = graph.neighborhood(churn_scenario["warehouse"], f"res.partner:{customer}", depth=1)
    assert hood["center"]["entity_type"] == "partner"
    found = {e["entity_key"]: e for e in hood["entities"]}

    for key in overdue:
        invoice = found[key]
        assert invoice["entity_type"] == "invoice"
        assert invoice["status"] == "overdue"
        assert invoice["via"]["edge_type"] == "billed_to"
        assert invoice["via"]["evidence_model"] == "account.move"
        assert f"account.move:{invoice['via']['evidence_id']}" == key
        assert "overdue by" in invoice["via"]["evidence"]
    for key in open_deals:
        deal = found[key]
        assert deal["entity_type"] == "deal"
        assert deal["status"] == "open"
        assert deal["via"]["edge_type"] == "deal_for"
    salesperson = found[f"res.users:{salesperson_id}"]
    assert salesperson["entity_type"] == "salesperson"
    assert salesperson["via"]["edge_type"] == "managed_by"
    assert salesperson["via"]["evidence_model"] == "res.partner"
    assert salesperson["via"]["evidence_id"] == customer
    # paid invoices are neighbours too, but never marked overdue
    others = [
        e
        for e in hood["entities"]
        if e["entity_type"] == "invoice" and e["entity_key"] not in overdue
    ]
    assert others and all(e["status"] != "overdue" for e in others)

    # the few plain lines a briefing can take as context: the evidence records, by address
    context = graph.context_for(churn_scenario["warehouse"], f"res.partner:{customer}")
    assert context.splitlines()[0].startswith(
        f"partner {hood['center']['name']} (res.partner:{customer})"
    )
    lines = context.splitlines()[1:]
    assert any(
        f"(account.move:{churn_scenario['invoice']})" in line and "billed_to" in line
        for line in lines[:5]
    )
    assert any(f"(crm.lead:{churn_scenario['deal']})" in line for line in lines[:5])
    assert any(f"(res.users:{salesperson_id})" in line for line in lines)

    # the same customer found by name, and a second hop reaches the deal's salesperson
    by_name = graph.neighborhood(churn_scenario["warehouse"], hood["center"]["name"], depth=2)
    assert by_name["center"]["entity_key"] == f"res.partner:{customer}"
    two_hops = {e["entity_key"]: e for e in by_name["entities"]}
    assert two_hops.keys() >= found.keys()
    assert any(
        e["via"]["distance"] == 2 and e["via"]["edge_type"] == "includes_product"
        for e in two_hops.values()
    )


@pytest.mark.integration
def test_graph_marts_cover_every_entity_type_and_edges_point_at_entities(marts_warehouse) -> None:
    path = marts_warehouse.path
    types = dict(_rows(path, "select entity_type, count(*) from graph.kg_entities group by 1"))
    assert set(types) == set(graph.ENTITY_TYPES)
    # one entity per product, per posted invoice, per deal: the marts' own counts
    ((products,),) = _rows(path, "select count(*) from staging.stg_odoo__product_products")
    ((deals,),) = _rows(path, "select count(*) from staging.stg_odoo__crm_leads")
    assert types["product"] == products
    assert types["deal"] == deals
    ((dangling,),) = _rows(
        path,
        "select count(*) from graph.kg_edges e left join graph.kg_entities s on s.entity_key = e.source_key "
        "left join graph.kg_entities t on t.entity_key = e.target_key where s.entity_key is null or t.entity_key is null",
    )
    assert dangling == 0


@pytest.mark.integration
def test_search_finds_a_product_by_a_paraphrase_of_its_description(
    marts_warehouse, monkeypatch
) -> None:
    monkeypatch.setenv("COO_SEARCH_BACKEND", "lexical")  # what CI has; the model is an extra
    ((description,),) = _rows(
        marts_warehouse.path,
        "select description from graph.kg_entities where entity_key = (select entity_key from "
        "graph.kg_entities where entity_type = 'product' and name = 'On-site Assembly')",
    )
    assert "On-site Assembly" in description and "service" in description
    # said differently: another word form ("assembles"), words the description lacks
    hits = graph.search(
        marts_warehouse, "a service where someone assembles furniture on site", limit=5
    )
    assert hits[0]["name"] == "On-site Assembly"
    assert hits[0]["entity_type"] == "product"
    assert hits[0]["backend"] == "lexical"
    assert hits[0]["score"] > hits[1]["score"]

    products = graph.search(
        marts_warehouse, "a rack standing in the hall to hang coats", entity_types=["product"]
    )
    assert products[0]["name"] == "Standing Coat Rack"
    assert {h["entity_type"] for h in products} == {"product"}
    assert graph.search(marts_warehouse, "   ") == []
