{#-
    The one as-of date every finance mart reports at, and the aging interval.

    `aging_as_of` (YYYY-MM-DD) when set; otherwise the latest date in the accounting data
    (journal item dates and reconciliation dates), so that on the default date every
    partial reconciliation counts and the aging equals Odoo's stored `amount_residual`.
-#}

with

move_lines as (

    select accounting_date from {{ ref('stg_odoo__account_move_lines') }}

),

partials as (

    select max_date from {{ ref('stg_odoo__account_partial_reconciles') }}

),

latest as (

    select
        max(latest_date) as latest_date
    from (
        select max(accounting_date) as latest_date from move_lines
        union all
        select max(max_date) as latest_date from partials
    ) as dates

),

final as (

    select
        {% if var('aging_as_of', '') -%}
        cast('{{ var("aging_as_of") }}' as date) as as_of_date,
        {%- else -%}
        coalesce(latest.latest_date, current_date) as as_of_date,
        {%- endif %}
        cast({{ var('aging_interval_days', 30) }} as integer) as aging_interval_days
    from latest

)

select * from final
