"""The read-only warehouse reader (DuckDB and PostgreSQL) and the approver identity modes."""

from __future__ import annotations

import duckdb
import psycopg2
import pytest

from apps.streamlit import auth
from apps.streamlit.warehouse_reader import TableMissing, run_query, to_driver_sql
from odoo_api.errors import ConfigError


@pytest.mark.unit
def test_parameters_are_translated_per_driver_and_casts_left_alone():
    sql = "select x::int from t where a = :company and b like 'x%' and c = :c"
    assert to_driver_sql(sql, "duckdb") == (
        "select x::int from t where a = $company and b like 'x%' and c = $c"
    )
    assert to_driver_sql(sql, "postgres") == (
        "select x::int from t where a = %(company)s and b like 'x%%' and c = %(c)s"
    )


@pytest.mark.unit
def test_duckdb_reader_is_read_only_and_says_when_a_table_is_missing(tmp_path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema finance; create table finance.t as select 1 as company_id, 5 as v")
    con.close()
    url = f"duckdb:///{path}"
    frame = run_query(url, "select v from finance.t where company_id = :c", {"c": 1})
    assert frame["v"].tolist() == [5]
    with pytest.raises(TableMissing):
        run_query(url, "select * from ml.forecasts")
    with pytest.raises(duckdb.Error, match="read-only"):
        run_query(url, "insert into finance.t values (2, 6)")
    with pytest.raises(TableMissing):
        run_query(f"duckdb:///{tmp_path / 'absent.duckdb'}", "select 1")


@pytest.mark.integration
def test_postgres_reader_uses_a_read_only_session(postgres_warehouse):
    con = psycopg2.connect(postgres_warehouse.url)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute("create schema finance; create table finance.t (company_id int, v numeric)")
        cur.execute("insert into finance.t values (1, 5.5), (2, 7)")
    con.close()
    frame = run_query(
        postgres_warehouse.url, "select v from finance.t where company_id = :c", {"c": 1}
    )
    assert frame["v"].tolist() == [5.5]  # numeric comes back as a number, not Decimal
    with pytest.raises(TableMissing):
        run_query(postgres_warehouse.url, "select * from ml.forecasts")
    with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
        run_query(postgres_warehouse.url, "insert into finance.t values (3, 1) returning v")


@pytest.mark.unit
def test_local_identity_is_the_configured_operator(monkeypatch):
    monkeypatch.setenv("COO_DASHBOARD_AUTH", "local")
    monkeypatch.setenv("COO_OPERATOR", "grace")
    monkeypatch.setenv("COO_OPERATOR_ROLE", "finance_manager")
    user = auth.current_user()
    assert (user.name, user.role, user.mode) == ("grace", "finance_manager", "local")


@pytest.mark.unit
def test_unknown_auth_mode_and_header_mode_without_header_name_are_config_errors(monkeypatch):
    monkeypatch.setenv("COO_DASHBOARD_AUTH", "magic")
    with pytest.raises(ConfigError, match="COO_DASHBOARD_AUTH"):
        auth.current_user()
    monkeypatch.setenv("COO_DASHBOARD_AUTH", "header")
    monkeypatch.delenv("COO_AUTH_HEADER", raising=False)
    with pytest.raises(ConfigError, match="COO_AUTH_HEADER"):
        auth.current_user()
