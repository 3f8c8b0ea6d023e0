{#-
    Spend per employee x category (expense product) x month, in company currency, against
    the expense policy (seed `expense_policies`: monthly limit per employee and category,
    a company-specific row overriding the generic one). Only months with spend appear.
-#}

with

expenses as (

    select * from {{ ref('int_expenses_categorised') }}

),

policies as (

    select * from {{ ref('expense_policies') }}

),

spend as (

    select
        company_id,
        employee_id,
        product_id,
        expense_month_date,
        max(employee_name)   as employee_name,
        max(category_code)   as category_code,
        max(category_name)   as category_name,
        count(*)             as expense_count,
        sum(amount)          as amount
    from expenses
    where is_counted_as_spend
    group by 1, 2, 3, 4

),

with_limits as (

    select
        spend.*,
        coalesce(company_policy.monthly_limit_per_employee, generic_policy.monthly_limit_per_employee)
            as monthly_limit
    from spend
    left join policies as company_policy
        on spend.category_code = company_policy.category_code
        and spend.company_id = company_policy.company_id
    left join policies as generic_policy
        on spend.category_code = generic_policy.category_code
        and generic_policy.company_id is null

),

final as (

    select
        {{ surrogate_key(['company_id', 'employee_id', 'product_id', 'expense_month_date']) }}
                                                                     as spend_key,
        company_id,
        employee_id,
        employee_name,
        product_id,
        category_code,
        category_name,
        expense_month_date,
        expense_count,
        cast(amount as {{ odoo_type('money') }})                     as amount,
        cast(monthly_limit as {{ odoo_type('money') }})              as monthly_limit,
        monthly_limit is not null                                    as has_policy,
        coalesce(amount > monthly_limit, false)                      as is_over_limit,
        cast(case when amount > monthly_limit then amount - monthly_limit else 0 end
             as {{ odoo_type('money') }})                            as amount_over_limit,
        round(cast(amount / nullif(monthly_limit, 0) as numeric), 3) as limit_used_share
    from with_limits

)

select * from final
