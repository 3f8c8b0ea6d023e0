{#-
    Month x company: cash in, cash out, net flow and closing cash on the liquidity accounts.
    Flows are netted per journal entry first, so moving money between two liquidity
    accounts (bank <-> outstanding, bank <-> cash) is not counted as income and spending.
-#}

with

general_ledger as (

    select * from {{ ref('fct_general_ledger') }}

),

liquidity_accounts as (

    select * from {{ ref('int_liquidity_accounts_identified') }}

),

report_dates as (

    select * from {{ ref('int_report_dates_resolved') }}

),

move_flows as (

    select
        general_ledger.company_id,
        general_ledger.company_currency_id,
        general_ledger.move_id,
        general_ledger.period_month_date,
        sum(general_ledger.balance) as net_flow
    from general_ledger
    inner join liquidity_accounts
        on general_ledger.account_id = liquidity_accounts.account_id
    group by 1, 2, 3, 4

),

monthly as (

    select
        company_id,
        company_currency_id,
        period_month_date,
        sum(case when net_flow > 0 then net_flow else 0 end)  as cash_in,
        sum(case when net_flow < 0 then -net_flow else 0 end) as cash_out,
        sum(net_flow)                                         as net_cash_flow
    from move_flows
    group by 1, 2, 3

),

companies as (

    select
        company_id,
        company_currency_id,
        min(period_month_date) as first_month_date
    from monthly
    group by 1, 2

),

bounds as (

    select
        min(monthly.period_month_date)                                      as first_month_date,
        greatest(max(monthly.period_month_date), max({{ month_start('report_dates.as_of_date') }}))
                                                                            as last_month_date
    from monthly
    cross join report_dates

),

months as (

    {{ month_spine('(select first_month_date from bounds)', '(select last_month_date from bounds)') }}

),

filled as (

    select
        companies.company_id,
        companies.company_currency_id,
        months.month_start_date              as period_month_date,
        coalesce(monthly.cash_in, 0)         as cash_in,
        coalesce(monthly.cash_out, 0)        as cash_out,
        coalesce(monthly.net_cash_flow, 0)   as net_cash_flow
    from companies
    inner join months
        on months.month_start_date >= companies.first_month_date
    left join monthly
        on companies.company_id = monthly.company_id
        and months.month_start_date = monthly.period_month_date

),

final as (

    select
        {{ surrogate_key(['company_id', 'period_month_date']) }} as cash_flow_key,
        company_id,
        company_currency_id,
        period_month_date,
        cash_in,
        cash_out,
        net_cash_flow,
        -net_cash_flow                                            as net_burn,
        sum(net_cash_flow) over (
            partition by company_id
            order by period_month_date
            rows between unbounded preceding and current row
        )                                                         as closing_cash
    from filled

)

select * from final
