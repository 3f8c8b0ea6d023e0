{#- In the reporting currency too, each company's and the group's balance sheet balances. -#}

with

translated as (

    select * from {{ ref('fct_statements_translated_monthly') }}

),

consolidated as (

    select * from {{ ref('fct_consolidated_statements_monthly') }}

),

totals as (

    select
        cast(company_id as {{ odoo_type('text') }}) as scope,
        period_month_date,
        sum(case when line_code = 'total_assets' then amount else 0 end) as total_assets,
        sum(case when line_code in ('total_liabilities', 'total_equity') then amount else 0 end)
            as total_liabilities_and_equity,
        sum(case when section_code = 'equity' and not is_total then amount else 0 end)
            as equity_lines,
        sum(case when line_code = 'total_equity' then amount else 0 end) as total_equity
    from translated
    where statement = 'balance_sheet'
    group by 1, 2

    union all

    select
        'group',
        period_month_date,
        sum(case when line_code = 'total_assets' then amount else 0 end),
        sum(case when line_code in ('total_liabilities', 'total_equity') then amount else 0 end),
        sum(case when section_code = 'equity' and not is_total then amount else 0 end),
        sum(case when line_code = 'total_equity' then amount else 0 end)
    from consolidated
    where statement = 'balance_sheet'
    group by 1, 2

),

final as (

    select * from totals
    where abs(total_assets - total_liabilities_and_equity) >= 0.005
        or abs(equity_lines - total_equity) >= 0.005

)

select * from final
