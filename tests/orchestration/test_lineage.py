"""Lineage from what each consumer reads: declared next to its SQL, checked by parsing it."""

from __future__ import annotations

import pytest

from orchestration import lineage


@pytest.mark.unit
@pytest.mark.parametrize("consumer", lineage.consumers(), ids=lambda c: c.name)
def test_every_table_a_consumer_reads_is_declared(consumer):
    found = lineage.consumer_reads(consumer)
    assert found, f"no SQL found in {consumer.modules}"
    assert not lineage.undeclared(consumer), (
        f"{consumer.module} reads tables it does not declare in READS: "
        f"{sorted(lineage.undeclared(consumer))}"
    )
    # and declares nothing it does not read (a stale dep would order the job wrongly)
    declared = {t for t in consumer.reads if not t.endswith(".*")}
    assert declared <= found, sorted(declared - found)


@pytest.mark.unit
def test_an_undeclared_read_fails(tmp_path, monkeypatch):
    module = tmp_path / "fake_consumer.py"
    module.write_text(
        'READS = ("finance.fct_cash_runway",)\n'
        'SQL = """select * from finance.fct_cash_runway r\n'
        'join sales.fct_stalled_deals d using (company_id)"""\n'
        "def q(reader, schema):\n"
        '    return reader.rows(f"with x as (select 1) select * from ml.churn_scores, x")\n'
    )
    monkeypatch.setattr(lineage, "REPO_ROOT", tmp_path)
    consumer = lineage.Consumer(
        "fake", "application", "fake_consumer", ("finance.fct_cash_runway",), None, ""
    )
    assert lineage.undeclared(consumer) == {"sales.fct_stalled_deals", "ml.churn_scores"}


def test_dagster_deps_are_the_declared_reads():
    from dagster import AssetKey

    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for consumer in lineage.consumers(with_apps=False):
        assert consumer.asset is not None
        parents = {
            k.to_user_string() for k in graph.get(AssetKey(list(consumer.asset))).parent_keys
        }
        wanted = {t.replace(".", "/") for t in consumer.reads if t not in lineage.NOT_ASSETS}
        assert wanted <= parents, (consumer.name, sorted(wanted - parents))
    # the gaps the issue found: each consumer now waits for what it reads
    alerts = graph.get(AssetKey(["briefings", "alerts"])).parent_keys
    briefs = graph.get(AssetKey(["briefings", "daily_briefings"])).parent_keys
    deals = graph.get(AssetKey(["ml", "deal_scores"])).parent_keys
    assert AssetKey(["ml", "anomalies"]) in alerts
    assert AssetKey(["ml", "forecasts"]) in briefs
    assert AssetKey(["sales", "dim_leads"]) in deals
    assert AssetKey(["core", "dim_companies"]) in briefs


@pytest.mark.unit
@pytest.mark.parametrize("consumer", lineage.consumers(), ids=lambda c: c.name)
def test_no_consumer_reads_below_the_marts(consumer):
    """Marts (and ML tables) are the contract: no consumer declares or runs SQL against the
    raw layer, staging or intermediate models; only the data health page watches raw_odoo."""
    below = lineage.below_marts(consumer)
    if consumer.name in lineage.RAW_MONITORS:
        assert {t.split(".")[0] for t in below} == {"raw_odoo"}, sorted(below)
    else:
        assert not below, f"{consumer.name} reads below the marts: {sorted(below)}"


@pytest.mark.unit
def test_a_staging_read_is_caught(tmp_path, monkeypatch):
    module = tmp_path / "fake_consumer.py"
    module.write_text('SQL = "select name from staging.stg_odoo__res_partners"\n')
    monkeypatch.setattr(lineage, "REPO_ROOT", tmp_path)
    consumer = lineage.Consumer("fake", "application", "fake_consumer", (), None, "")
    assert lineage.below_marts(consumer) == {"staging.stg_odoo__res_partners"}


@pytest.mark.unit
def test_the_dbt_exposures_are_generated_from_the_declarations():
    assert lineage.EXPOSURES_PATH.read_text() == lineage.exposures_yaml(), (
        "dbt_project/models/exposures.yml is stale: run `python -m orchestration.lineage`"
    )
