{#-
    Both methods of the cash-flow statement: opening cash + net change = closing cash, and
    the net change equals the cash position mart's monthly change (fct_cash_flows_monthly),
    to the cent, every company and month.
-#}

with

statement as (

    select * from {{ ref('fct_cash_flow_statement_monthly') }}

),

cash_flows as (

    select * from {{ ref('fct_cash_flows_monthly') }}

),

per_month as (

    select
        company_id,
        period_month_date,
        method,
        sum(case when line_code = 'net_change_in_cash' then amount else 0 end) as net_change,
        sum(case when line_code = 'opening_cash' then amount else 0 end)       as opening_cash,
        sum(case when line_code = 'closing_cash' then amount else 0 end)       as closing_cash
    from statement
    group by 1, 2, 3

),

final as (

    select per_month.*, cash_flows.net_cash_flow, cash_flows.closing_cash as mart_closing_cash
    from per_month
    left join cash_flows
        on per_month.company_id = cash_flows.company_id
        and per_month.period_month_date = cash_flows.period_month_date
    where abs(per_month.opening_cash + per_month.net_change - per_month.closing_cash) >= 0.005
        or abs(per_month.net_change - coalesce(cash_flows.net_cash_flow, 0)) >= 0.005
        or (cash_flows.company_id is not null
            and abs(per_month.closing_cash - cash_flows.closing_cash) >= 0.005)

)

select * from final
