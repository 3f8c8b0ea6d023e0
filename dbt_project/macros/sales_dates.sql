{#-
    Timestamps are `timestamp with time zone` from staging on. Turning one into a date or a
    month depends on the session time zone on both DuckDB and PostgreSQL, so the sales marts
    first take the UTC wall-clock time (Odoo stores every datetime in UTC).
-#}

{#- The UTC wall-clock time of a timestamptz, as a timestamp without time zone. -#}
{% macro utc_timestamp(ts) -%}
    ({{ ts }} at time zone 'UTC')
{%- endmacro %}

{#- The UTC calendar date of a timestamptz. -#}
{% macro utc_date(ts) -%}
    cast({{ utc_timestamp(ts) }} as date)
{%- endmacro %}

