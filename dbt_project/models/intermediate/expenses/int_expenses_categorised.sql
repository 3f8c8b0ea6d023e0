{#-
    Employee expenses (`hr.expense`, Odoo 17+ without expense sheets) with their category
    (the expense product), employee and month.

    Amounts: `total_amount` is in company currency (Odoo 17+), `total_amount_currency` in
    the expense's own currency. Spend counts expenses that were submitted or beyond
    (submitted, approved, posted, in payment, paid); drafts are not yet claimed and refused
    ones were never reimbursed.
-#}

with

expenses as (

    select * from {{ ref('stg_odoo__hr_expenses') }}

),

products as (

    select * from {{ ref('stg_odoo__product_products') }}

),

templates as (

    select * from {{ ref('stg_odoo__product_templates') }}

),

employees as (

    select * from {{ ref('stg_odoo__hr_employees') }}

),

joined as (

    select
        expenses.expense_id,
        expenses.name                                                  as expense_name,
        expenses.company_id,
        expenses.employee_id,
        employees.name                                                 as employee_name,
        expenses.product_id,
        coalesce(products.default_code, templates.default_code)       as category_code,
        templates.name                                                 as category_name,
        expenses.expense_date,
        {{ month_start('expenses.expense_date') }}                     as expense_month_date,
        expenses.state,
        expenses.approval_state,
        expenses.currency_id,
        coalesce(expenses.total_amount_currency, expenses.total_amount) as amount_currency,
        expenses.total_amount                                          as amount,
        expenses.quantity,
        expenses.created_at
    from expenses
    left join products
        on expenses.product_id = products.product_id
    left join templates
        on products.product_tmpl_id = templates.product_template_id
    left join employees
        on expenses.employee_id = employees.employee_id

),

final as (

    select
        joined.*,
        coalesce(state, '') not in ('draft', 'refused')
            and coalesce(approval_state, '') <> 'refused'             as is_counted_as_spend,
        coalesce(state, '') = 'refused' or coalesce(approval_state, '') = 'refused'
                                                                       as is_refused
    from joined

)

select * from final
