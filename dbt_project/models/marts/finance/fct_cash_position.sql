{#- Cash at the report date per company and liquidity account (bank/cash and outstanding). -#}

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

balances as (

    select
        general_ledger.company_id,
        general_ledger.company_currency_id,
        general_ledger.account_id,
        report_dates.as_of_date,
        sum(general_ledger.balance)         as balance,
        max(general_ledger.accounting_date) as last_movement_date
    from general_ledger
    cross join report_dates
    where general_ledger.accounting_date <= report_dates.as_of_date
    group by 1, 2, 3, 4

),

final as (

    select
        {{ surrogate_key(['balances.company_id', 'balances.account_id']) }} as cash_position_key,
        balances.company_id,
        balances.company_currency_id,
        balances.account_id,
        liquidity_accounts.account_code,
        liquidity_accounts.account_name,
        liquidity_accounts.liquidity_kind,
        balances.as_of_date,
        balances.balance,
        balances.last_movement_date
    from balances
    inner join liquidity_accounts
        on balances.account_id = liquidity_accounts.account_id

)

select * from final
