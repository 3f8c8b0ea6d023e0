{#-
    Company x month x KPI, in company currency, from the statements: margins and the
    operating expenses ratio from the month's P&L; working capital, current and quick
    ratios from the month-end balance sheet; DSO, DPO, DIO and the cash conversion cycle on
    a trailing window of `days_outstanding_window_months` months (receivables / operating
    income x days, payables and inventory / cost of revenue x days). Inventory is the
    balance of Odoo's stock valuation accounts (the company's `account_stock_valuation_id`,
    the product categories' `property_stock_valuation_account_id`, accounts with a stock
    variation account); without any, DIO and the cycle are empty. Each KPI carries last
    month's and last year's value.
-#}

{%- set window_months = var('days_outstanding_window_months', 3) | int -%}
{%- set kpis = [
    ('revenue',                'Revenue',                     'amount'),
    ('gross_profit',           'Gross profit',                'amount'),
    ('net_profit',             'Net profit',                  'amount'),
    ('gross_margin',           'Gross margin',                'ratio'),
    ('net_margin',             'Net margin',                  'ratio'),
    ('operating_expense_ratio', 'Operating expenses ratio',   'ratio'),
    ('working_capital',        'Working capital',             'amount'),
    ('current_ratio',          'Current ratio',               'ratio'),
    ('quick_ratio',            'Quick ratio',                 'ratio'),
    ('dso',                    'Days sales outstanding',      'days'),
    ('dpo',                    'Days payables outstanding',   'days'),
    ('dio',                    'Days inventory outstanding',  'days'),
    ('cash_conversion_cycle',  'Cash conversion cycle',       'days'),
] -%}

with

profit_and_loss as (

    select * from {{ ref('fct_profit_and_loss') }}
    where period_grain = 'month'

),

balance_sheet as (

    select * from {{ ref('fct_balance_sheet_monthly') }}

),

trial_balance as (

    select * from {{ ref('fct_trial_balance_monthly') }}

),

companies as (

    select * from {{ ref('stg_odoo__res_companies') }}

),

categories as (

    select * from {{ ref('stg_odoo__product_categories') }}

),

accounts as (

    select * from {{ ref('stg_odoo__account_accounts') }}

),

inventory_accounts as (

    select account_stock_valuation_id as account_id from companies
    where account_stock_valuation_id is not null
    union
    select property_stock_valuation_account_id from categories
    where property_stock_valuation_account_id is not null
    union
    select account_id from accounts
    where account_stock_variation_id is not null

),

inventory as (

    select
        trial_balance.company_id,
        trial_balance.period_month_date,
        sum(trial_balance.closing_balance) as inventory
    from trial_balance
    inner join inventory_accounts
        on trial_balance.account_id = inventory_accounts.account_id
    group by 1, 2

),

has_inventory as (

    select distinct company_id from inventory

),

pnl as (

    select
        company_id,
        company_currency_id,
        period_start_date                                                            as period_month_date,
        period_end_date,
        sum(case when line_code = 'operating_income' then amount else 0 end)         as revenue,
        sum(case when line_code = 'cost_of_revenue' then amount else 0 end)          as cost_of_revenue,
        sum(case when line_code = 'gross_profit' then amount else 0 end)             as gross_profit,
        sum(case when line_code in ('operating_expenses', 'depreciation') then amount else 0 end)
                                                                                     as operating_expenses,
        sum(case when line_code = 'net_profit' then amount else 0 end)               as net_profit
    from profit_and_loss
    group by 1, 2, 3, 4

),

windowed as (

    select
        pnl.*,
        sum(revenue) over (
            partition by company_id order by period_month_date
            rows between {{ window_months - 1 }} preceding and current row
        )                                                                            as window_revenue,
        sum(cost_of_revenue) over (
            partition by company_id order by period_month_date
            rows between {{ window_months - 1 }} preceding and current row
        )                                                                            as window_cost_of_revenue,
        {{ days_between(dbt.dateadd('month', -(window_months - 1), 'period_month_date'), 'period_end_date') }} + 1
                                                                                     as window_days
    from pnl

),

positions as (

    select
        company_id,
        period_month_date,
        sum(case when line_code = 'total_current_assets' then amount else 0 end)      as current_assets,
        sum(case when line_code = 'total_current_liabilities' then amount else 0 end) as current_liabilities,
        sum(case when line_code in ('bank_and_cash', 'receivables') then amount else 0 end)
                                                                                      as quick_assets,
        sum(case when line_code = 'receivables' then amount else 0 end)               as receivables,
        sum(case when line_code = 'payables' then amount else 0 end)                  as payables
    from balance_sheet
    group by 1, 2

),

wide as (

    select
        windowed.company_id,
        windowed.company_currency_id,
        windowed.period_month_date,
        windowed.revenue,
        windowed.gross_profit,
        windowed.net_profit,
        case when windowed.revenue <> 0 then windowed.gross_profit / windowed.revenue end       as gross_margin,
        case when windowed.revenue <> 0 then windowed.net_profit / windowed.revenue end         as net_margin,
        case when windowed.revenue <> 0 then windowed.operating_expenses / windowed.revenue end as operating_expense_ratio,
        positions.current_assets - positions.current_liabilities                                as working_capital,
        case when positions.current_liabilities <> 0
            then positions.current_assets / positions.current_liabilities end                   as current_ratio,
        case when positions.current_liabilities <> 0
            then positions.quick_assets / positions.current_liabilities end                     as quick_ratio,
        case when windowed.window_revenue > 0
            then positions.receivables / windowed.window_revenue * windowed.window_days end     as dso,
        case when windowed.window_cost_of_revenue > 0
            then positions.payables / windowed.window_cost_of_revenue * windowed.window_days end as dpo,
        case when windowed.window_cost_of_revenue > 0 and has_inventory.company_id is not null
            then coalesce(inventory.inventory, 0) / windowed.window_cost_of_revenue * windowed.window_days
        end                                                                                     as dio
    from windowed
    inner join positions
        on windowed.company_id = positions.company_id
        and windowed.period_month_date = positions.period_month_date
    left join inventory
        on windowed.company_id = inventory.company_id
        and windowed.period_month_date = inventory.period_month_date
    left join has_inventory
        on windowed.company_id = has_inventory.company_id

),

with_cycle as (

    select wide.*, dso + dio - dpo as cash_conversion_cycle
    from wide

),

long as (

    {%- for code, name, unit in kpis %}
    select
        company_id,
        company_currency_id,
        period_month_date,
        '{{ code }}'  as kpi_code,
        '{{ name }}'  as kpi_name,
        '{{ unit }}'  as unit,
        {{ loop.index }} as kpi_sequence,
        cast({{ code }} as double precision) as kpi_value
    from with_cycle
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        {{ surrogate_key(['long.company_id', 'long.period_month_date', 'long.kpi_code']) }} as financial_kpi_key,
        long.*,
        previous_month.kpi_value                              as previous_month_value,
        last_year.kpi_value                                   as last_year_value,
        long.kpi_value - previous_month.kpi_value             as change_month_over_month,
        long.kpi_value - last_year.kpi_value                  as change_year_over_year
    from long
    left join long as previous_month
        on long.company_id = previous_month.company_id
        and long.kpi_code = previous_month.kpi_code
        and previous_month.period_month_date = cast({{ dbt.dateadd('month', -1, 'long.period_month_date') }} as date)
    left join long as last_year
        on long.company_id = last_year.company_id
        and long.kpi_code = last_year.kpi_code
        and last_year.period_month_date = cast({{ dbt.dateadd('month', -12, 'long.period_month_date') }} as date)

)

select * from final
