{#-
    Every company's monthly P&L and month-end balance sheet in the reporting currency (var
    `reporting_currency`), by the current-rate method: P&L lines at the month's average
    rate; assets, liabilities and equity accounts at the closing rate; earnings as the sum
    of each month's earnings at that month's average rate (current year and previous
    years apart); the translation difference is what makes the translated balance sheet
    balance (translated net assets - equity accounts - earnings), shown as its own equity
    line. A company already in the reporting currency translates at 1 and has none.
-#}

{%- set pnl_totals = ['gross_profit', 'operating_profit', 'net_profit'] -%}

with

profit_and_loss as (

    select * from {{ ref('fct_profit_and_loss') }}
    where period_grain = 'month'

),

balance_sheet as (

    select * from {{ ref('fct_balance_sheet_monthly') }}

),

rates as (

    select * from {{ ref('fct_reporting_currency_rates_monthly') }}

),

pnl_translated as (

    select
        profit_and_loss.company_id,
        profit_and_loss.company_currency_id,
        rates.reporting_currency_id,
        profit_and_loss.period_start_date           as period_month_date,
        'profit_and_loss'                           as statement,
        case when profit_and_loss.line_code in ('operating_income', 'cost_of_revenue', 'gross_profit')
            then 'revenue' else 'expenses' end     as section_code,
        profit_and_loss.line_code,
        profit_and_loss.line_name,
        profit_and_loss.line_sequence,
        profit_and_loss.is_total,
        profit_and_loss.amount                      as amount_company_currency,
        rates.average_rate                          as rate,
        profit_and_loss.amount * rates.average_rate as amount
    from profit_and_loss
    inner join rates
        on profit_and_loss.company_id = rates.company_id
        and profit_and_loss.period_start_date = rates.period_month_date

),

{#- each month's earnings (P&L and equity_unaffected) at the month's average rate -#}
earnings as (

    select
        balance_sheet.company_id,
        balance_sheet.period_month_date,
        balance_sheet.fiscal_year,
        sum(case when balance_sheet.line_code in ('current_year_earnings', 'retained_earnings')
            then balance_sheet.amount else 0 end) as total_earnings
    from balance_sheet
    group by 1, 2, 3

),

earnings_translated as (

    select
        earnings.company_id,
        earnings.period_month_date,
        (earnings.total_earnings - coalesce(lag(earnings.total_earnings) over (
            partition by earnings.company_id order by earnings.period_month_date
        ), 0)) * rates.average_rate as month_earnings
    from earnings
    inner join rates
        on earnings.company_id = rates.company_id
        and earnings.period_month_date = rates.period_month_date

),

earnings_cumulated as (

    select
        earnings_translated.company_id,
        earnings_translated.period_month_date,
        sum(earnings_translated.month_earnings) over (
            partition by earnings_translated.company_id, earnings.fiscal_year
            order by earnings_translated.period_month_date
            rows between unbounded preceding and current row
        ) as current_year_earnings,
        sum(earnings_translated.month_earnings) over (
            partition by earnings_translated.company_id
            order by earnings_translated.period_month_date
            rows between unbounded preceding and current row
        ) as total_earnings
    from earnings_translated
    inner join earnings
        on earnings_translated.company_id = earnings.company_id
        and earnings_translated.period_month_date = earnings.period_month_date

),

bs_accounts as (

    select
        balance_sheet.company_id,
        balance_sheet.company_currency_id,
        rates.reporting_currency_id,
        balance_sheet.period_month_date,
        'balance_sheet'                            as statement,
        balance_sheet.section_code,
        balance_sheet.line_code,
        balance_sheet.line_name,
        balance_sheet.line_sequence,
        balance_sheet.is_total,
        balance_sheet.amount                       as amount_company_currency,
        rates.closing_rate                         as rate,
        case
            when balance_sheet.line_code = 'current_year_earnings'
                then earnings_cumulated.current_year_earnings
            when balance_sheet.line_code = 'retained_earnings'
                then earnings_cumulated.total_earnings - earnings_cumulated.current_year_earnings
            else balance_sheet.amount * rates.closing_rate
        end                                        as amount
    from balance_sheet
    inner join rates
        on balance_sheet.company_id = rates.company_id
        and balance_sheet.period_month_date = rates.period_month_date
    left join earnings_cumulated
        on balance_sheet.company_id = earnings_cumulated.company_id
        and balance_sheet.period_month_date = earnings_cumulated.period_month_date
    where balance_sheet.line_code not in ('total_equity', 'total_liabilities_and_equity')

),

equity_totals as (

    select
        company_id,
        company_currency_id,
        reporting_currency_id,
        period_month_date,
        sum(case when line_code = 'total_assets' then amount else 0 end)
            - sum(case when line_code = 'total_liabilities' then amount else 0 end)
            - sum(case when section_code = 'equity' and not is_total then amount else 0 end)
                                                                         as translation_difference,
        sum(case when line_code = 'total_assets' then amount else 0 end)
            - sum(case when line_code = 'total_liabilities' then amount else 0 end)
                                                                         as total_equity,
        sum(case when line_code = 'total_assets' then amount else 0 end) as total_liabilities_and_equity,
        sum(case when section_code = 'equity' and not is_total then amount_company_currency else 0 end)
                                                                         as equity_company_currency,
        sum(case when line_code = 'total_assets' then amount_company_currency else 0 end)
                                                                         as assets_company_currency,
        max(rate)                                                        as rate
    from bs_accounts
    group by 1, 2, 3, 4

),

lines as (

    select * from pnl_translated
    union all
    select * from bs_accounts
    union all
    select company_id, company_currency_id, reporting_currency_id, period_month_date,
        'balance_sheet', 'equity', 'translation_difference', 'Translation difference', 350, false,
        cast(0 as {{ odoo_type('money') }}), rate, translation_difference
    from equity_totals
    union all
    select company_id, company_currency_id, reporting_currency_id, period_month_date,
        'balance_sheet', 'equity', 'total_equity', 'Total equity', 390, true,
        equity_company_currency, rate, total_equity
    from equity_totals
    union all
    select company_id, company_currency_id, reporting_currency_id, period_month_date,
        'balance_sheet', 'equity', 'total_liabilities_and_equity', 'Total liabilities and equity', 399, true,
        assets_company_currency, rate, total_liabilities_and_equity
    from equity_totals

),

final as (

    select
        {{ surrogate_key(['company_id', 'period_month_date', 'statement', 'line_code']) }}
                                   as translated_statement_key,
        company_id,
        company_currency_id,
        reporting_currency_id,
        period_month_date,
        statement,
        section_code,
        line_code,
        line_name,
        line_sequence,
        is_total,
        cast(amount_company_currency as {{ odoo_type('money') }}) as amount_company_currency,
        cast(rate as numeric(20, 10))                             as rate,
        cast(amount as {{ odoo_type('money') }})                  as amount
    from lines

)

select * from final
