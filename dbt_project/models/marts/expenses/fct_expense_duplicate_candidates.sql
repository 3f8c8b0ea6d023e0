{#-
    Pairs of expenses that look like the same cost claimed twice: same employee, category
    (product), company, currency and amount (in the expense currency), dated at most
    `expense_duplicate_window_days` (7) apart, two different records. One row per pair,
    the earlier-created expense first.

    A fixed amount claimed every month (a phone plan) is not a duplicate: such pairs are a
    month apart, outside the window. Should the window be widened to 21 days or more, pairs
    of a recurring series (the same amount in 3 or more distinct months) that are 21+ days
    apart are still left out. All states are compared (a duplicate is best caught before
    approval); refused expenses are flagged rather than dropped.
-#}

{%- set window_days = var('expense_duplicate_window_days', 7) | int %}

with

expenses as (

    select * from {{ ref('int_expenses_categorised') }}
    where amount_currency <> 0
        and employee_id is not null
        and product_id is not null
        and expense_date is not null

),

recurring_series as (

    select
        employee_id,
        product_id,
        company_id,
        currency_id,
        amount_currency
    from expenses
    group by 1, 2, 3, 4, 5
    having count(distinct expense_month_date) >= 3

),

pairs as (

    select
        first_expense.expense_id                                      as expense_id,
        second_expense.expense_id                                     as duplicate_expense_id,
        first_expense.company_id,
        first_expense.employee_id,
        first_expense.employee_name,
        first_expense.product_id,
        first_expense.category_name,
        first_expense.currency_id,
        first_expense.amount_currency,
        first_expense.expense_date,
        second_expense.expense_date                                   as duplicate_expense_date,
        abs({{ days_between('first_expense.expense_date', 'second_expense.expense_date') }})
                                                                      as days_apart,
        first_expense.state,
        second_expense.state                                          as duplicate_state,
        first_expense.is_refused or second_expense.is_refused        as is_either_refused
    from expenses as first_expense
    inner join expenses as second_expense
        on first_expense.employee_id = second_expense.employee_id
        and first_expense.product_id = second_expense.product_id
        and first_expense.company_id = second_expense.company_id
        and coalesce(first_expense.currency_id, -1) = coalesce(second_expense.currency_id, -1)
        and first_expense.amount_currency = second_expense.amount_currency
        and first_expense.expense_id < second_expense.expense_id

),

windowed as (

    select
        pairs.*,
        recurring_series.employee_id is not null as is_recurring_series
    from pairs
    left join recurring_series
        on pairs.employee_id = recurring_series.employee_id
        and pairs.product_id = recurring_series.product_id
        and pairs.company_id = recurring_series.company_id
        and coalesce(pairs.currency_id, -1) = coalesce(recurring_series.currency_id, -1)
        and pairs.amount_currency = recurring_series.amount_currency
    where pairs.days_apart <= {{ window_days }}

),

final as (

    select
        {{ surrogate_key(['expense_id', 'duplicate_expense_id']) }}    as duplicate_pair_key,
        expense_id,
        duplicate_expense_id,
        company_id,
        employee_id,
        employee_name,
        product_id,
        category_name,
        currency_id,
        cast(amount_currency as {{ odoo_type('money') }})             as amount_currency,
        expense_date,
        duplicate_expense_date,
        days_apart,
        state,
        duplicate_state,
        is_either_refused,
        is_recurring_series,
        'same employee, category and amount ('
            || cast(cast(amount_currency as numeric(28, 2)) as {{ odoo_type('text') }}) || ') '
            || case
                when days_apart = 0 then 'on the same day'
                else cast(days_apart as {{ odoo_type('text') }}) || ' day(s) apart'
               end
            || case when is_either_refused then '; one of them was refused' else '' end
                                                                      as reason
    from windowed
    where not (is_recurring_series and days_apart >= 21)

)

select * from final
