{#-
    The profit and loss by month, fiscal quarter and fiscal year per company, in company
    currency, grouped by Odoo's account types (seed account_type_statement_lines):
    operating income - cost of revenue = gross profit; - operating expenses - depreciation =
    operating profit; + other income - other expenses = net profit. Income lines are shown
    as credits (-balance), cost lines as debits (balance). Each row carries the previous
    period and the same period last year, and its share of operating income (margin).
-#}

{%- set lines = [
    ('operating_income',   'Operating income',   10, 'base'),
    ('cost_of_revenue',    'Cost of revenue',    20, 'base'),
    ('gross_profit',       'Gross profit',       30, 'total'),
    ('operating_expenses', 'Operating expenses', 40, 'base'),
    ('depreciation',       'Depreciation',       50, 'base'),
    ('operating_profit',   'Operating profit',   60, 'total'),
    ('other_income',       'Other income',       70, 'base'),
    ('other_expenses',     'Other expenses',     80, 'base'),
    ('net_profit',         'Net profit',         90, 'total'),
] -%}
{%- set income_lines = ['operating_income', 'other_income'] -%}
{%- set grains = [
    ('month', 'period_month_date', 1),
    ('quarter', 'fiscal_quarter_start_date', 3),
    ('fiscal_year', 'fiscal_year_start_date', 12),
] -%}

with

trial_balance as (

    select * from {{ ref('fct_trial_balance_monthly') }}

),

fiscal_months as (

    select * from {{ ref('dim_fiscal_months') }}

),

report_dates as (

    select * from {{ ref('int_report_dates_resolved') }}

),

monthly_lines as (

    select
        company_id,
        period_month_date,
        {%- for code, _name, _seq, kind in lines if kind == 'base' %}
        sum(case when line_code = '{{ code }}' then
            {% if code in income_lines %}-net_movement{% else %}net_movement{% endif %}
            else 0 end) as {{ code }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from trial_balance
    where statement = 'profit_and_loss'
    group by 1, 2

),

months as (

    select
        fiscal_months.*,
        {%- for code, _name, _seq, kind in lines if kind == 'base' %}
        coalesce(monthly_lines.{{ code }}, 0) as {{ code }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from fiscal_months
    left join monthly_lines
        on fiscal_months.company_id = monthly_lines.company_id
        and fiscal_months.period_month_date = monthly_lines.period_month_date

),

periods as (

    {%- for grain, start_column, months_in_grain in grains %}
    select
        company_id,
        company_currency_id,
        '{{ grain }}'            as period_grain,
        {{ months_in_grain }}    as grain_months,
        {{ start_column }}       as period_start_date,
        max(period_end_date)     as period_end_date,
        max(fiscal_year)         as fiscal_year,
        max(case when '{{ grain }}' = 'fiscal_year' then null else fiscal_quarter end) as fiscal_quarter,
        count(*)                 as months_in_data,
        {%- for code, _name, _seq, kind in lines if kind == 'base' %}
        sum({{ code }}) as {{ code }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from months
    group by company_id, company_currency_id, {{ start_column }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

totalled as (

    select
        periods.*,
        operating_income - cost_of_revenue                                   as gross_profit,
        operating_income - cost_of_revenue - operating_expenses - depreciation
                                                                             as operating_profit,
        operating_income - cost_of_revenue - operating_expenses - depreciation
            + other_income - other_expenses                                  as net_profit
    from periods

),

long as (

    {%- for code, name, seq, kind in lines %}
    select
        company_id,
        company_currency_id,
        period_grain,
        grain_months,
        period_start_date,
        period_end_date,
        fiscal_year,
        fiscal_quarter,
        months_in_data,
        '{{ code }}'      as line_code,
        '{{ name }}'      as line_name,
        {{ seq }}         as line_sequence,
        {{ 'true' if kind == 'total' else 'false' }} as is_total,
        {{ code }}        as amount,
        operating_income  as period_operating_income
    from totalled
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

compared as (

    select
        current_period.*,
        previous_period.amount  as previous_period_amount,
        last_year.amount        as last_year_amount
    from long as current_period
    left join long as previous_period
        on current_period.company_id = previous_period.company_id
        and current_period.period_grain = previous_period.period_grain
        and current_period.line_code = previous_period.line_code
        and previous_period.period_start_date
            = cast({{ dbt.dateadd('month', '-current_period.grain_months', 'current_period.period_start_date') }} as date)
    left join long as last_year
        on current_period.company_id = last_year.company_id
        and current_period.period_grain = last_year.period_grain
        and current_period.line_code = last_year.line_code
        and last_year.period_start_date
            = cast({{ dbt.dateadd('month', -12, 'current_period.period_start_date') }} as date)

),

final as (

    select
        {{ surrogate_key(['company_id', 'period_grain', 'period_start_date', 'line_code']) }}
                                                                         as profit_and_loss_key,
        compared.company_id,
        compared.company_currency_id,
        compared.period_grain,
        compared.period_start_date,
        compared.period_end_date,
        compared.fiscal_year,
        compared.fiscal_quarter,
        compared.period_end_date <= report_dates.as_of_date              as is_complete,
        compared.line_code,
        compared.line_name,
        compared.line_sequence,
        compared.is_total,
        compared.amount,
        compared.previous_period_amount,
        compared.last_year_amount,
        compared.amount - compared.previous_period_amount                as change_from_previous_period,
        compared.amount - compared.last_year_amount                      as change_from_last_year,
        case when compared.period_operating_income <> 0
            then compared.amount / compared.period_operating_income end  as share_of_operating_income
    from compared
    cross join report_dates

)

select * from final
