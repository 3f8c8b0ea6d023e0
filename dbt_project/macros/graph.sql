{#-
    Helpers of the knowledge-graph marts (marts/graph); valid on DuckDB and PostgreSQL.
-#}

{#- The entity key of a record: `<odoo model>:<id>` (the address alerts and proposals use). -#}
{% macro kg_key(model, id_expr) -%}
    '{{ model }}:' || cast({{ id_expr }} as varchar)
{%- endmacro %}

{#- A money figure as text with two decimals, for descriptions and evidence. -#}
{% macro kg_money(expr) -%}
    cast(cast(round(cast({{ expr }} as numeric), 2) as numeric(20, 2)) as varchar)
{%- endmacro %}

{#-
    One row per element of a JSON array of ids held as text (Odoo many2many `[4, 7]`):
    selects `id_column` and the element as `element_id`.
-#}
{% macro kg_unnest_id_array(relation, id_column, array_column) -%}
    {{ return(adapter.dispatch('kg_unnest_id_array')(relation, id_column, array_column)) }}
{%- endmacro %}

{% macro default__kg_unnest_id_array(relation, id_column, array_column) -%}
    select
        {{ id_column }},
        cast(json_array_elements_text(cast({{ array_column }} as json)) as bigint) as element_id
    from {{ relation }}
    where {{ array_column }} is not null and {{ array_column }} like '[%'
{%- endmacro %}

{% macro duckdb__kg_unnest_id_array(relation, id_column, array_column) -%}
    select
        {{ id_column }},
        unnest(from_json({{ array_column }}, '["BIGINT"]')) as element_id
    from {{ relation }}
    where {{ array_column }} is not null and {{ array_column }} like '[%'
{%- endmacro %}
