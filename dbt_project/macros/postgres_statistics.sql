{#-
    Planner statistics on PostgreSQL.

    The extractor (and the test loader) bulk-load raw_odoo and dbt reads it straight away,
    before autovacuum has analysed anything. Without statistics PostgreSQL guesses 0.5% for
    every `_odoo_deleted_at is null` filter in staging, so a 100k-row table is planned as a
    few hundred rows and the stacked staging/intermediate views get nested-loop joins that
    run for minutes (the medium build took over 10 minutes). Analysing the raw tables at
    the start of each run, and every table dbt itself creates right after it is built,
    gives the planner real row counts (a raw table unchanged since its last analysis is
    skipped). DuckDB keeps its own statistics: both are no-ops there.

    ANALYZE on a table the dbt user does not own only warns, so this never fails a run.
-#}

{% macro analyze_raw_sources() -%}
    {%- if target.type == 'postgres' -%}
    do $$
    declare
        raw record;
    begin
        for raw in
            select schemaname, relname as tablename
            from pg_catalog.pg_stat_user_tables
            where schemaname = '{{ var("odoo_raw_schema", "raw_odoo") }}'
                and (
                    n_mod_since_analyze > 0
                    or coalesce(last_analyze, last_autoanalyze) is null
                )
        loop
            execute format('analyze %I.%I', raw.schemaname, raw.tablename);
        end loop;
    end
    $$
    {%- endif -%}
{%- endmacro %}


{#- Post-hook: statistics for a model materialised as a table, before tests and children read it. -#}
{% macro analyze_if_table() -%}
    {%- if target.type == 'postgres' and config.get('materialized') in ('table', 'incremental') -%}
    analyze {{ this }}
    {%- endif -%}
{%- endmacro %}


{#-
    Pre-hook: planner settings for the statement that builds a model (`set local`: only for
    the model's transaction).

    * No JIT compilation. The marts are short analytic queries over stacked views whose
      plans cost far above `jit_above_cost`, so PostgreSQL spent 10-15 s compiling
      (`JIT: ... Optimization ... Emission`) queries that then ran in under a second.
    * No nested-loop joins where a hash or merge join can do. The warehouse has no indexes,
      so a nested loop rescans its inner side once per outer row; the planner picks one
      only when it underestimates a filter it has no statistics for (an expression such as
      `field_info::json ->> 'name'` gets a fixed 0.5% guess), and 7,468 x 8,212 rescans took
      10 s where a hash join takes 0.1 s. Joins with no equality (a date spine, a cross
      join with the one-row as-of date) still use a nested loop: nothing else can.
-#}
{% macro postgres_planner_settings() -%}
    {%- if target.type == 'postgres' -%}
    set local jit = off;
    set local enable_nestloop = off
    {%- endif -%}
{%- endmacro %}
