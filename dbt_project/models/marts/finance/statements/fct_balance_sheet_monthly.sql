{#-
    The balance sheet at every month end per company, in company currency. Account lines by
    Odoo's account types (seed account_type_statement_lines); assets as debits, liabilities
    and equity as credits. Earnings as Odoo computes them without a closing entry: the
    P&L accounts and the `equity_unaffected` account ("Current Year Earnings") since the
    start of the fiscal year are the current year's earnings, everything before is
    previous years' (retained) earnings. Off-balance accounts are left out. Because every
    posted entry balances, total assets = total liabilities + total equity to the cent
    (tests/assert_balance_sheet_balances.sql).
-#}

{%- set totals = [
    ('total_current_assets',       'Total current assets',              170, 'assets'),
    ('total_non_current_assets',   'Total non-current assets',          180, 'assets'),
    ('total_assets',               'Total assets',                      190, 'assets'),
    ('total_current_liabilities',  'Total current liabilities',         250, 'liabilities'),
    ('total_non_current_liabilities', 'Total non-current liabilities',  260, 'liabilities'),
    ('total_liabilities',          'Total liabilities',                 290, 'liabilities'),
    ('current_year_earnings',      'Current year earnings',             330, 'equity'),
    ('retained_earnings',          'Previous years retained earnings',  340, 'equity'),
    ('total_equity',               'Total equity',                      390, 'equity'),
    ('total_liabilities_and_equity', 'Total liabilities and equity',    399, 'equity'),
] -%}

with

trial_balance as (

    select * from {{ ref('fct_trial_balance_monthly') }}

),

fiscal_months as (

    select * from {{ ref('dim_fiscal_months') }}

),

statement_lines as (

    select * from {{ ref('account_type_statement_lines') }}

),

account_lines as (

    select
        statement_lines.line_code,
        min(statement_lines.line_name)       as line_name,
        min(statement_lines.line_sequence)   as line_sequence,
        min(statement_lines.section_code)    as section_code,
        bool_or(statement_lines.is_current)  as is_current,
        bool_or(statement_lines.is_liquid)   as is_liquid
    from statement_lines
    where statement_lines.statement = 'balance_sheet'
        and statement_lines.account_type <> 'equity_unaffected'
    group by 1

),

balances as (

    select
        trial_balance.company_id,
        trial_balance.period_month_date,
        trial_balance.line_code,
        sum(trial_balance.closing_balance) as closing_balance
    from trial_balance
    where trial_balance.statement = 'balance_sheet'
        and trial_balance.account_type <> 'equity_unaffected'
    group by 1, 2, 3

),

earnings as (

    select
        company_id,
        period_month_date,
        -sum(closing_balance - fiscal_year_opening_balance) as current_year_earnings,
        -sum(fiscal_year_opening_balance)                   as retained_earnings
    from trial_balance
    where statement = 'profit_and_loss' or account_type = 'equity_unaffected'
    group by 1, 2

),

line_amounts as (

    select
        fiscal_months.company_id,
        fiscal_months.company_currency_id,
        fiscal_months.period_month_date,
        fiscal_months.period_end_date,
        fiscal_months.fiscal_year,
        account_lines.section_code,
        account_lines.line_code,
        account_lines.line_name,
        account_lines.line_sequence,
        account_lines.is_current,
        account_lines.is_liquid,
        case when account_lines.section_code = 'assets' then 1 else -1 end
            * coalesce(balances.closing_balance, 0) as amount
    from fiscal_months
    cross join account_lines
    left join balances
        on fiscal_months.company_id = balances.company_id
        and fiscal_months.period_month_date = balances.period_month_date
        and account_lines.line_code = balances.line_code

),

wide as (

    select
        line_amounts.company_id,
        line_amounts.company_currency_id,
        line_amounts.period_month_date,
        line_amounts.period_end_date,
        line_amounts.fiscal_year,
        sum(case when section_code = 'assets' and is_current then amount else 0 end)          as total_current_assets,
        sum(case when section_code = 'assets' and not is_current then amount else 0 end)      as total_non_current_assets,
        sum(case when section_code = 'assets' then amount else 0 end)                         as total_assets,
        sum(case when section_code = 'liabilities' and is_current then amount else 0 end)     as total_current_liabilities,
        sum(case when section_code = 'liabilities' and not is_current then amount else 0 end) as total_non_current_liabilities,
        sum(case when section_code = 'liabilities' then amount else 0 end)                    as total_liabilities,
        sum(case when section_code = 'equity' then amount else 0 end)                         as equity_accounts,
        coalesce(min(earnings.current_year_earnings), 0)                                      as current_year_earnings,
        coalesce(min(earnings.retained_earnings), 0)                                          as retained_earnings
    from line_amounts
    left join earnings
        on line_amounts.company_id = earnings.company_id
        and line_amounts.period_month_date = earnings.period_month_date
    group by 1, 2, 3, 4, 5

),

with_equity as (

    select
        wide.*,
        equity_accounts + current_year_earnings + retained_earnings                     as total_equity,
        total_liabilities + equity_accounts + current_year_earnings + retained_earnings as total_liabilities_and_equity
    from wide

),

lines as (

    select
        company_id,
        company_currency_id,
        period_month_date,
        period_end_date,
        fiscal_year,
        section_code,
        line_code,
        line_name,
        line_sequence,
        false as is_total,
        amount
    from line_amounts

    {%- for code, name, seq, section in totals %}
    union all
    select
        company_id,
        company_currency_id,
        period_month_date,
        period_end_date,
        fiscal_year,
        '{{ section }}' as section_code,
        '{{ code }}'    as line_code,
        '{{ name }}'    as line_name,
        {{ seq }}       as line_sequence,
        {{ 'false' if code in ('current_year_earnings', 'retained_earnings') else 'true' }} as is_total,
        {{ code }}      as amount
    from with_equity
    {%- endfor %}

),

final as (

    select
        {{ surrogate_key(['company_id', 'period_month_date', 'line_code']) }} as balance_sheet_key,
        company_id,
        company_currency_id,
        period_end_date                                                     as as_of_date,
        period_month_date,
        fiscal_year,
        section_code,
        line_code,
        line_name,
        line_sequence,
        is_total,
        amount
    from lines

)

select * from final
