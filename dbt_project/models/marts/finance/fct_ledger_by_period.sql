{#-
    Month x account x company: the movement of the month and the closing balance at its end.
    Dense from each company's first posting month to the report month, so balances carry
    through months without postings (a balance sheet needs every month-end).
-#}

with

general_ledger as (

    select * from {{ ref('fct_general_ledger') }}

),

report_dates as (

    select * from {{ ref('int_report_dates_resolved') }}

),

movements as (

    select
        company_id,
        account_id,
        period_month_date,
        sum(debit)   as debit,
        sum(credit)  as credit,
        sum(balance) as net_movement,
        count(*)     as line_count
    from general_ledger
    group by 1, 2, 3

),

company_accounts as (

    select
        company_id,
        account_id,
        min(period_month_date) as first_month_date
    from movements
    group by 1, 2

),

bounds as (

    select
        min(movements.period_month_date)                                        as first_month_date,
        greatest(max(movements.period_month_date), max({{ month_start('report_dates.as_of_date') }}))
                                                                                as last_month_date
    from movements
    cross join report_dates

),

months as (

    {{ month_spine('(select first_month_date from bounds)', '(select last_month_date from bounds)') }}

),

accounts as (

    select * from {{ ref('stg_odoo__account_accounts') }}

),

grid as (

    select
        company_accounts.company_id,
        company_accounts.account_id,
        months.month_start_date as period_month_date
    from company_accounts
    inner join months
        on months.month_start_date >= company_accounts.first_month_date

),

filled as (

    select
        grid.company_id,
        grid.account_id,
        grid.period_month_date,
        coalesce(movements.debit, 0)        as debit,
        coalesce(movements.credit, 0)       as credit,
        coalesce(movements.net_movement, 0) as net_movement,
        coalesce(movements.line_count, 0)   as line_count
    from grid
    left join movements
        on grid.company_id = movements.company_id
        and grid.account_id = movements.account_id
        and grid.period_month_date = movements.period_month_date

),

final as (

    select
        {{ surrogate_key(['filled.company_id', 'filled.account_id', 'filled.period_month_date']) }}
            as ledger_period_key,
        filled.company_id,
        filled.account_id,
        accounts.account_code,
        accounts.name         as account_name,
        accounts.account_type,
        filled.period_month_date,
        filled.debit,
        filled.credit,
        filled.net_movement,
        sum(filled.net_movement) over (
            partition by filled.company_id, filled.account_id
            order by filled.period_month_date
            rows between unbounded preceding and current row
        )                     as closing_balance,
        filled.line_count
    from filled
    left join accounts
        on filled.account_id = accounts.account_id

)

select * from final
