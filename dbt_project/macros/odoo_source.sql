{#-
    Tolerance to what an Odoo server has installed.

    Odoo's installed modules decide which tables (models) and columns (fields) exist, and
    the extractor writes only what the server has: a table is absent when its module is not
    installed or the model has no rows yet, a column is absent when the module that adds
    the field is not installed. Staging models therefore read a source through
    ``odoo_source()`` and every column through ``odoo_column()``: what is missing becomes a
    typed NULL (or an empty relation), never a compile error.

    ``source()`` is always called, so the dependency (and the Dagster lineage) is recorded
    at parse time whether or not the table exists.
-#}

{% macro odoo_source(table) %}
    {%- set relation = source('odoo', table) -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- set found = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) -%}
        {%- if found is not none -%}
            {%- for column in adapter.get_columns_in_relation(found) -%}
                {%- do columns.append(column.name | lower) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {%- if columns -%}
        {%- set from_clause = relation | string -%}
    {%- else -%}
        {%- set from_clause = '(select 1 as odoo_missing_table where 1 = 0) as missing_' ~ table -%}
    {%- endif -%}
    {{ return({'table': table, 'relation': from_clause, 'columns': columns, 'exists': columns | length > 0}) }}
{% endmacro %}


{% macro odoo_column(src, column, kind) %}
    {%- if src is string -%}
        {%- set src = odoo_source(src) -%}
    {%- endif -%}
    {%- if (column | lower) in src.columns -%}
        cast({{ adapter.quote(column | lower) }} as {{ odoo_type(kind) }})
    {%- else -%}
        cast(null as {{ odoo_type(kind) }})
    {%- endif -%}
{% endmacro %}


{#- Custom fields (x_*, Odoo Studio) pass through unchanged, after the known columns. -#}
{% macro odoo_custom_columns(src) %}
    {%- for column in src.columns if column.startswith('x_') -%}
        , {{ adapter.quote(column) }} as {{ adapter.quote(column) }}
    {% endfor -%}
{% endmacro %}


{#-
    The warehouse type for a kind of Odoo value. Money is exact decimal so that sums,
    debit = credit checks and aging reconcile to the cent.
-#}
{% macro odoo_type(kind) %}
    {%- set types = {
        'bigint': 'bigint',
        'double': 'double precision',
        'money': 'numeric(28, 6)',
        'text': 'text',
        'boolean': 'boolean',
        'date': 'date',
        'timestamptz': 'timestamp with time zone',
    } -%}
    {%- if kind not in types -%}
        {{ exceptions.raise_compiler_error("odoo_type: unknown kind '" ~ kind ~ "'") }}
    {%- endif -%}
    {{ return(types[kind]) }}
{% endmacro %}
