{#-
    Day by day from the report date over `cash_projection_horizon_days`, per company: the
    cash a squeeze would leave. The runway of fct_cash_runway divides cash by the past burn,
    and its 30/60/90-day view adds contracted items only; neither sees large bills falling due
    before the next payroll. This projects:

      cash at the report date
      + open receivables at their due date (overdue: from the report date), delayed by the
        company's collection delay: the average days late of the customer invoices settled
        in the last `cash_projection_collection_window_days` (never negative, whole days)
      + open payables (negative residuals) at their due date (overdue: the report date)
      - the recurring costs paid outside vendor bills (payroll, rent: cash leaving through
        general-journal entries without a payment), the median month of the last
        `cash_projection_recurring_months` before the report month, at each month end.

    fct_cash_runway summarises it (first day below zero, lowest balance): the one runway
    figure the dashboard, the alerts and the briefings show.
-#}

{%- set horizon = var('cash_projection_horizon_days', 90) | int %}
{%- set collection_window = var('cash_projection_collection_window_days', 120) | int %}
{%- set recurring_months = var('cash_projection_recurring_months', 3) | int %}

with

companies as (

    select * from {{ ref('dim_companies') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

report_dates as (

    select * from {{ ref('int_report_dates_resolved') }}

),

cash_position as (

    select * from {{ ref('fct_cash_position') }}

),

general_ledger as (

    select * from {{ ref('fct_general_ledger') }}

),

settlements as (

    select * from {{ ref('fct_invoice_settlements') }}

),

cash as (

    select
        company_id,
        sum(balance) as cash_balance
    from cash_position
    group by 1

),

collection_delays as (

    select
        settlements.company_id,
        cast(round(greatest(avg(1.0 * settlements.days_late), 0)) as integer) as delay_days
    from settlements
    cross join report_dates
    where settlements.aging_type = 'receivable'
        and settlements.days_late is not null
        and settlements.settled_date >= {{ days_after('report_dates.as_of_date', -collection_window) }}
    group by 1

),

recurring_by_month as (

    select
        general_ledger.company_id,
        general_ledger.period_month_date,
        sum(general_ledger.credit) - sum(general_ledger.debit) as outflow
    from general_ledger
    cross join report_dates
    where general_ledger.account_type = 'asset_cash'
        and general_ledger.payment_id is null
        and general_ledger.journal_type = 'general'
        and general_ledger.period_month_date < {{ month_start('report_dates.as_of_date') }}
    group by 1, 2

),

recent_recurring as (

    select
        *,
        row_number() over (partition by company_id order by period_month_date desc) as month_rank
    from recurring_by_month

),

recurring as (

    select
        company_id,
        greatest(percentile_cont(0.5) within group (order by outflow), 0) as monthly_costs
    from recent_recurring
    where month_rank <= {{ recurring_months }}
    group by 1

),

parameters as (

    select
        companies.company_id,
        report_dates.as_of_date,
        coalesce(cash.cash_balance, 0)              as starting_cash,
        coalesce(collection_delays.delay_days, 0)   as collection_delay_days,
        coalesce(recurring.monthly_costs, 0)        as recurring_monthly_costs
    from companies
    cross join report_dates
    left join cash
        on companies.company_id = cash.company_id
    left join collection_delays
        on companies.company_id = collection_delays.company_id
    left join recurring
        on companies.company_id = recurring.company_id

),

open_items as (

    select
        general_ledger.company_id,
        general_ledger.account_type,
        greatest(
            coalesce(general_ledger.due_date, general_ledger.accounting_date),
            parameters.as_of_date
        )                                           as expected_date,
        parameters.collection_delay_days,
        general_ledger.amount_residual
    from general_ledger
    inner join parameters
        on general_ledger.company_id = parameters.company_id
    where general_ledger.account_type in ('asset_receivable', 'liability_payable')
        and general_ledger.amount_residual <> 0

),

item_flows as (

    select
        company_id,
        case when account_type = 'asset_receivable'
            then {{ days_after('expected_date', 'collection_delay_days') }}
            else expected_date
        end                                                             as flow_date,
        case when account_type = 'asset_receivable' then amount_residual else 0 end
                                                                        as receivable_inflow,
        case when account_type = 'liability_payable' then amount_residual else 0 end
                                                                        as payable_outflow
    from open_items

),

item_flows_by_day as (

    select
        company_id,
        flow_date,
        sum(receivable_inflow)  as receivable_inflow,
        sum(payable_outflow)    as payable_outflow
    from item_flows
    group by 1, 2

),

days as (

    select
        parameters.company_id,
        parameters.as_of_date,
        parameters.starting_cash,
        parameters.collection_delay_days,
        parameters.recurring_monthly_costs,
        dates.date_day                                                  as projection_date,
        {{ days_between('parameters.as_of_date', 'dates.date_day') }}  as day_number,
        dates.is_month_end
            and dates.month_start_date
                < {{ dbt.dateadd('month', 4, month_start('parameters.as_of_date')) }}
                                                                        as is_recurring_cost_day
    from parameters
    inner join dates
        on dates.date_day >= parameters.as_of_date
        and dates.date_day <= {{ days_after('parameters.as_of_date', horizon) }}

),

flows as (

    select
        days.*,
        coalesce(item_flows_by_day.receivable_inflow, 0)                as receivable_inflow,
        coalesce(item_flows_by_day.payable_outflow, 0)                  as payable_outflow,
        case when days.is_recurring_cost_day then -days.recurring_monthly_costs else 0 end
                                                                        as recurring_outflow
    from days
    left join item_flows_by_day
        on days.company_id = item_flows_by_day.company_id
        and days.projection_date = item_flows_by_day.flow_date

),

final as (

    select
        company_id,
        as_of_date,
        projection_date,
        day_number,
        cast(starting_cash as {{ odoo_type('money') }})             as starting_cash,
        collection_delay_days,
        cast(recurring_monthly_costs as {{ odoo_type('money') }})   as recurring_monthly_costs,
        cast(receivable_inflow as {{ odoo_type('money') }})         as receivable_inflow,
        cast(payable_outflow as {{ odoo_type('money') }})           as payable_outflow,
        cast(recurring_outflow as {{ odoo_type('money') }})         as recurring_outflow,
        cast(receivable_inflow + payable_outflow + recurring_outflow as {{ odoo_type('money') }})
                                                                    as net_flow,
        cast(
            starting_cash + sum(receivable_inflow + payable_outflow + recurring_outflow) over (
                partition by company_id order by projection_date
                rows between unbounded preceding and current row
            ) as {{ odoo_type('money') }}
        )                                                           as closing_balance
    from flows

)

select * from final
