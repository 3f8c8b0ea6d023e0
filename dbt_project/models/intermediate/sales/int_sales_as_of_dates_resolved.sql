{#-
    The one as-of date every sales mart measures days at, and the stall default.

    `sales_as_of` (YYYY-MM-DD) when set; otherwise the latest date in the CRM and sales data
    (lead creation, stage changes and closings, messages on leads, quotation creation and
    confirmation), not the wall clock, so that a rebuild of the same data gives the same
    days in stage.
-#}

with

leads as (

    select * from {{ ref('stg_odoo__crm_leads') }}

),

messages as (

    select * from {{ ref('stg_odoo__mail_messages') }}
    where model = 'crm.lead'

),

orders as (

    select * from {{ ref('stg_odoo__sale_orders') }}

),

latest as (

    select
        max(latest_at) as latest_at
    from (
        select max(created_at) as latest_at from leads
        union all
        select max(last_stage_update_at) as latest_at from leads
        union all
        select max(closed_at) as latest_at from leads
        union all
        select max(posted_at) as latest_at from messages
        union all
        select max(created_at) as latest_at from orders
        union all
        select max(ordered_at) as latest_at from orders
    ) as dates

),

final as (

    select
        {% if var('sales_as_of', '') -%}
        cast('{{ var("sales_as_of") }}' as date) as as_of_date,
        {%- else -%}
        coalesce({{ utc_date('latest.latest_at') }}, current_date) as as_of_date,
        {%- endif %}
        cast({{ var('stalled_deal_default_days', 30) }} as integer) as stalled_deal_default_days
    from latest

)

select * from final
