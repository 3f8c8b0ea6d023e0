{#-
    Per company at the report date: cash, the average monthly burn of the last
    `runway_burn_months` complete months, the runway in days, and a forward view that adds
    open receivables and subtracts open payables falling due within 30/60/90 days
    (overdue items included: they are still owed). No burn (cash flow zero or positive)
    means no runway limit: `runway_days` is NULL and `is_burning_cash` false.

    The day-by-day projection (fct_cash_projection_daily) gives the first day cash goes
    below zero; `effective_runway_days`, the lower of the two runways, is the one figure the
    dashboard, the alerts and the briefings show.
-#}

{%- set burn_months = var('runway_burn_months', 3) | int %}
{%- set days_per_month = 30.4375 %}

with

companies as (

    select * from {{ ref('stg_odoo__res_companies') }}

),

cash_position as (

    select * from {{ ref('fct_cash_position') }}

),

cash_flows as (

    select * from {{ ref('fct_cash_flows_monthly') }}

),

open_items as (

    select * from {{ ref('int_open_items_aged') }}

),

report_dates as (

    select * from {{ ref('int_report_dates_resolved') }}

),

projection as (

    select * from {{ ref('fct_cash_projection_daily') }}

),

projected as (

    select
        company_id,
        min(case when closing_balance < 0 then projection_date end)    as projected_cash_out_date,
        least(min(closing_balance), max(starting_cash))                 as projected_low_balance,
        max(recurring_monthly_costs)                                    as recurring_monthly_costs,
        max(collection_delay_days)                                      as collection_delay_days
    from projection
    group by 1

),

cash as (

    select
        company_id,
        sum(balance) as cash_balance
    from cash_position
    group by 1

),

burn as (

    select
        cash_flows.company_id,
        count(*)                   as burn_month_count,
        avg(cash_flows.net_burn)   as monthly_burn
    from cash_flows
    cross join report_dates
    where cash_flows.period_month_date < {{ month_start('report_dates.as_of_date') }}
        and cash_flows.period_month_date >= {{ dbt.dateadd('month', -burn_months, month_start('report_dates.as_of_date')) }}
    group by 1

),

{%- set horizons = [30, 60, 90] %}

due as (

    select
        open_items.company_id,
        {%- for days in horizons %}
        sum(case when open_items.aging_type = 'receivable' and open_items.days_overdue >= -{{ days }}
            then open_items.residual else 0 end)  as receivable_due_{{ days }}d,
        sum(case when open_items.aging_type = 'payable' and open_items.days_overdue >= -{{ days }}
            then -open_items.residual else 0 end) as payable_due_{{ days }}d,
        {%- endfor %}
        sum(case when open_items.aging_type = 'receivable' then open_items.residual else 0 end)
            as receivable_open,
        sum(case when open_items.aging_type = 'payable' then -open_items.residual else 0 end)
            as payable_open
    from open_items
    group by 1

),

combined as (

    select
        companies.company_id,
        companies.currency_id                                   as company_currency_id,
        report_dates.as_of_date,
        coalesce(cash.cash_balance, 0)                          as cash_balance,
        coalesce(burn.burn_month_count, 0)                      as burn_month_count,
        burn.monthly_burn,
        {%- for days in horizons %}
        coalesce(due.receivable_due_{{ days }}d, 0)             as receivable_due_{{ days }}d,
        coalesce(due.payable_due_{{ days }}d, 0)                as payable_due_{{ days }}d,
        {%- endfor %}
        coalesce(due.receivable_open, 0)                        as receivable_open,
        coalesce(due.payable_open, 0)                           as payable_open,
        projected.projected_cash_out_date,
        projected.projected_low_balance,
        projected.recurring_monthly_costs,
        projected.collection_delay_days
    from companies
    cross join report_dates
    left join cash
        on companies.company_id = cash.company_id
    left join burn
        on companies.company_id = burn.company_id
    left join due
        on companies.company_id = due.company_id
    left join projected
        on companies.company_id = projected.company_id

),

runways as (

    select
        *,
        case
            when monthly_burn is null or monthly_burn <= 0 then null
            when cash_balance <= 0 then 0
            else round(cast(cash_balance / monthly_burn * {{ days_per_month }} as numeric), 1)
        end                                                     as burn_runway_days,
        {{ days_between('as_of_date', 'projected_cash_out_date') }}
                                                                as projected_runway_days
    from combined

),

final as (

    select
        company_id,
        company_currency_id,
        as_of_date,
        cast(cash_balance as {{ odoo_type('money') }})  as cash_balance,
        burn_month_count,
        cast(monthly_burn as {{ odoo_type('money') }})  as monthly_burn,
        coalesce(monthly_burn > 0, false)                       as is_burning_cash,
        burn_runway_days                                        as runway_days,
        projected_cash_out_date,
        projected_runway_days,
        cast(projected_low_balance as {{ odoo_type('money') }}) as projected_low_balance,
        cast(recurring_monthly_costs as {{ odoo_type('money') }})
                                                                as recurring_monthly_costs,
        collection_delay_days,
        -- the lower of the burn runway and the projection's (LEAST skips NULLs on both)
        cast(least(burn_runway_days, projected_runway_days) as numeric(10, 1))
                                                                as effective_runway_days,
        cast(receivable_open as {{ odoo_type('money') }}) as receivable_open,
        cast(payable_open as {{ odoo_type('money') }})    as payable_open,
        {%- for days in horizons %}
        cast(receivable_due_{{ days }}d as {{ odoo_type('money') }}) as receivable_due_{{ days }}d,
        cast(payable_due_{{ days }}d as {{ odoo_type('money') }})    as payable_due_{{ days }}d,
        cast(cash_balance + receivable_due_{{ days }}d - payable_due_{{ days }}d as {{ odoo_type('money') }})
                                                                as projected_cash_{{ days }}d,
        {%- endfor %}
        case
            when monthly_burn is null or monthly_burn <= 0 then null
            when cash_balance + receivable_due_90d - payable_due_90d <= 0 then 0
            else round(cast(
                (cash_balance + receivable_due_90d - payable_due_90d) / monthly_burn * {{ days_per_month }}
                as numeric), 1)
        end                                                     as forward_runway_days
    from runways

)

select * from final
