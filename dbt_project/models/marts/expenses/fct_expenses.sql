{#-
    One row per expense (hr.expense) with its category, employee, amounts and whether it
    counts as spend: the expense-level grain the anomaly model scores.
-#}

with

expenses as (

    select * from {{ ref('int_expenses_categorised') }}

),

final as (

    select * from expenses

)

select * from final
