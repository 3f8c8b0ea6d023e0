{#-
    The group's monthly P&L and month-end balance sheet in the reporting currency: the sum
    of every company's translated statements (fct_statements_translated_monthly), with the
    translation difference as an equity line and how many companies were added. No
    intercompany elimination (DECISIONLOG).
-#}

with

translated as (

    select * from {{ ref('fct_statements_translated_monthly') }}

),

final as (

    select
        {{ surrogate_key(['period_month_date', 'statement', 'line_code']) }} as consolidated_statement_key,
        reporting_currency_id,
        period_month_date,
        statement,
        section_code,
        line_code,
        line_name,
        line_sequence,
        is_total,
        sum(amount)                as amount,
        count(distinct company_id) as company_count
    from translated
    group by 2, 3, 4, 5, 6, 7, 8, 9

)

select * from final
