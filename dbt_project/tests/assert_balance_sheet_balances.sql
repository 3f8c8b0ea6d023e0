{#- Every company, every month end: total assets = total liabilities + total equity, to the cent. -#}

with

balance_sheet as (

    select * from {{ ref('fct_balance_sheet_monthly') }}

),

totals as (

    select
        company_id,
        as_of_date,
        sum(case when line_code = 'total_assets' then amount else 0 end)                 as total_assets,
        sum(case when line_code = 'total_liabilities_and_equity' then amount else 0 end) as total_liabilities_and_equity,
        count(case when line_code = 'total_assets' then 1 end)                           as total_rows
    from balance_sheet
    group by 1, 2

),

final as (

    select * from totals
    where abs(total_assets - total_liabilities_and_equity) >= 0.005
        or total_rows <> 1

)

select * from final
