{#-
    Date helpers shared by the customer and expense models; valid on DuckDB and PostgreSQL.
-#}

{#- The UTC calendar date of a timestamp with time zone (never the session's time zone). -#}
{% macro date_in_utc(timestamp_expr) -%}
    cast(({{ timestamp_expr }}) at time zone 'UTC' as date)
{%- endmacro %}

{#- Last day of the month of a month-start date, as a date. -#}
{% macro last_day_of_month(month_start_expr) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, month_start_expr)) }} as date)
{%- endmacro %}

{#- A date plus a (possibly negative) number of days, as a date. -#}
{% macro days_after(date_expr, days) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}
