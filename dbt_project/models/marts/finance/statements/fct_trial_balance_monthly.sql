{#-
    The trial balance: company x account x month, in company currency. Opening and closing
    are all posted journal items up to the period (what a `read_group` of posted
    `account.move.line` by account gives for the same dates); `fiscal_year_opening_balance`
    is the closing balance at the end of the previous fiscal year, which the balance sheet
    needs to split earnings into the current year and previous years as Odoo does.
-#}

with

ledger as (

    select * from {{ ref('fct_ledger_by_period') }}

),

fiscal_months as (

    select * from {{ ref('dim_fiscal_months') }}

),

statement_lines as (

    select * from {{ ref('account_type_statement_lines') }}

),

placed as (

    select
        ledger.company_id,
        fiscal_months.company_currency_id,
        ledger.account_id,
        ledger.account_code,
        ledger.account_name,
        ledger.account_type,
        coalesce(statement_lines.statement, 'unclassified')   as statement,
        coalesce(statement_lines.line_code, 'unclassified')   as line_code,
        ledger.period_month_date,
        fiscal_months.period_end_date,
        fiscal_months.fiscal_year,
        fiscal_months.fiscal_quarter,
        fiscal_months.fiscal_year_start_date,
        ledger.closing_balance - ledger.net_movement          as opening_balance,
        ledger.debit,
        ledger.credit,
        ledger.net_movement,
        ledger.closing_balance,
        ledger.line_count
    from ledger
    inner join fiscal_months
        on ledger.company_id = fiscal_months.company_id
        and ledger.period_month_date = fiscal_months.period_month_date
    left join statement_lines
        on ledger.account_type = statement_lines.account_type

),

final as (

    select
        {{ surrogate_key(['company_id', 'account_id', 'period_month_date']) }} as trial_balance_key,
        company_id,
        company_currency_id,
        account_id,
        account_code,
        account_name,
        account_type,
        statement,
        line_code,
        period_month_date,
        period_end_date,
        fiscal_year,
        fiscal_quarter,
        fiscal_year_start_date,
        opening_balance,
        debit,
        credit,
        net_movement,
        closing_balance,
        closing_balance - sum(net_movement) over (
            partition by company_id, account_id, fiscal_year_start_date
            order by period_month_date
            rows between unbounded preceding and current row
        )                                                                     as fiscal_year_opening_balance,
        line_count
    from placed

)

select * from final
