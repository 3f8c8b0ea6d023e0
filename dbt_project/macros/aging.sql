{#-
    Aging buckets exactly as Odoo's Aged Receivable/Payable: with as-of date D and interval
    N, "not due" is due date >= D (0 days overdue included), bucket k (1..4) is
    (k-1)*N+1 .. k*N days overdue, and bucket 5 is everything older than 4*N days.
-#}
{% macro aging_bucket(days_overdue, interval_days) -%}
    case
        when {{ days_overdue }} <= 0 then 0
        when {{ days_overdue }} > 4 * {{ interval_days }} then 5
        else cast(floor(({{ days_overdue }} - 1) / ({{ interval_days }} * 1.0)) as integer) + 1
    end
{%- endmacro %}

{% macro aging_bucket_label(bucket, interval_days) -%}
    case {{ bucket }}
        when 0 then 'not_due'
        when 5 then cast(4 * {{ interval_days }} as {{ odoo_type('text') }}) || '+'
        else cast(({{ bucket }} - 1) * {{ interval_days }} + 1 as {{ odoo_type('text') }})
            || '-' || cast({{ bucket }} * {{ interval_days }} as {{ odoo_type('text') }})
    end
{%- endmacro %}

{#- Whole days from one date to another (DuckDB and PostgreSQL both subtract dates to days). -#}
{% macro days_between(start_date, end_date) -%}
    cast(cast({{ end_date }} as date) - cast({{ start_date }} as date) as integer)
{%- endmacro %}

{#- First day of the month of a date, as a date. -#}
{% macro month_start(date_expr) -%}
    cast({{ dbt.date_trunc('month', date_expr) }} as date)
{%- endmacro %}

{#- A stable text key from several columns (NULLs kept distinct from empty). -#}
{% macro surrogate_key(columns) -%}
    md5(
        {%- for column in columns %}
        coalesce(cast({{ column }} as {{ odoo_type('text') }}), '~null~'){% if not loop.last %} || '|' ||{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{#- Monthly spine [first, last] as month-start dates; works on DuckDB and PostgreSQL. -#}
{% macro month_spine(first_month, last_month) -%}
    select cast(month_start_at as date) as month_start_date
    from generate_series(
        cast({{ first_month }} as timestamp),
        cast({{ last_month }} as timestamp),
        interval '1 month'
    ) as spine (month_start_at)
{%- endmacro %}

{#-
    Aged balance per company x partner x transaction currency from int_open_items_aged.
    `sign` turns payables into positive amounts owed, as Odoo's Aged Payable shows them.
-#}
{% macro aged_balance_by_partner(aging_type, sign) %}

with

open_items as (

    select * from {{ ref('int_open_items_aged') }}
    where aging_type = '{{ aging_type }}'

),

by_partner as (

    select
        company_id,
        partner_id,
        currency_id,
        company_currency_id,
        as_of_date,
        aging_interval_days,
        count(*)                                                                 as open_item_count,
        max(days_overdue)                                                        as max_days_overdue,
        {%- for bucket in range(6) %}
        {%- set name = ['not_due', 'period_1', 'period_2', 'period_3', 'period_4', 'older'][bucket] %}
        sum(case when aging_bucket = {{ bucket }} then {{ sign }} * residual else 0 end)
            as residual_{{ name }},
        {%- endfor %}
        sum({{ sign }} * residual)                                               as residual_total,
        {%- for bucket in range(6) %}
        {%- set name = ['not_due', 'period_1', 'period_2', 'period_3', 'period_4', 'older'][bucket] %}
        sum(case when aging_bucket = {{ bucket }} then {{ sign }} * residual_currency else 0 end)
            as residual_currency_{{ name }},
        {%- endfor %}
        sum({{ sign }} * residual_currency)                                      as residual_currency_total
    from open_items
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        {{ surrogate_key(['company_id', 'partner_id', 'currency_id']) }} as aging_key,
        by_partner.*,
        residual_total - residual_not_due                                        as residual_overdue
    from by_partner

)

select * from final

{% endmacro %}
