{#- Odoo `hr.expense`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('hr_expense') -%}

with

source as (

    select * from {{ src.relation }}

),

live as (

    select * from source
    where {{ odoo_column(src, '_odoo_deleted_at', 'timestamptz') }} is null

),

final as (

    select
        {{ odoo_column(src, 'id', 'bigint') }}                      as expense_id,
        {{ odoo_column(src, 'account_id', 'bigint') }}              as account_id,
        {{ odoo_column(src, 'account_move_id', 'bigint') }}         as account_move_id,
        {{ odoo_column(src, 'analytic_distribution', 'text') }}     as analytic_distribution,
        {{ odoo_column(src, 'approval_date', 'timestamptz') }}      as approval_at,
        {{ odoo_column(src, 'approval_state', 'text') }}            as approval_state,
        {{ odoo_column(src, 'company_id', 'bigint') }}              as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}        as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}              as created_by_user_id,
        {{ odoo_column(src, 'currency_id', 'bigint') }}             as currency_id,
        {{ odoo_column(src, 'date', 'date') }}                      as expense_date,
        {{ odoo_column(src, 'department_id', 'bigint') }}           as department_id,
        {{ odoo_column(src, 'description', 'text') }}               as description,
        {{ odoo_column(src, 'employee_id', 'bigint') }}             as employee_id,
        {{ odoo_column(src, 'former_sheet_id', 'bigint') }}         as former_sheet_id,
        {{ odoo_column(src, 'manager_id', 'bigint') }}              as manager_id,
        {{ odoo_column(src, 'name', 'text') }}                      as name,
        {{ odoo_column(src, 'payment_method_line_id', 'bigint') }}  as payment_method_line_id,
        {{ odoo_column(src, 'payment_mode', 'text') }}              as payment_mode,
        {{ odoo_column(src, 'price_unit', 'double') }}              as price_unit,
        {{ odoo_column(src, 'product_id', 'bigint') }}              as product_id,
        {{ odoo_column(src, 'product_uom_id', 'bigint') }}          as product_uom_id,
        {{ odoo_column(src, 'quantity', 'double') }}                as quantity,
        {{ odoo_column(src, 'sale_order_id', 'bigint') }}           as sale_order_id,
        {{ odoo_column(src, 'sale_order_line_id', 'bigint') }}      as sale_order_line_id,
        {{ odoo_column(src, 'split_expense_origin_id', 'bigint') }} as split_expense_origin_id,
        {{ odoo_column(src, 'state', 'text') }}                     as state,
        {{ odoo_column(src, 'tax_amount', 'money') }}               as tax_amount,
        {{ odoo_column(src, 'tax_amount_currency', 'money') }}      as tax_amount_currency,
        {{ odoo_column(src, 'tax_ids', 'text') }}                   as tax_ids,
        {{ odoo_column(src, 'total_amount', 'money') }}             as total_amount,
        {{ odoo_column(src, 'total_amount_currency', 'money') }}    as total_amount_currency,
        {{ odoo_column(src, 'untaxed_amount', 'money') }}           as untaxed_amount,
        {{ odoo_column(src, 'untaxed_amount_currency', 'money') }}  as untaxed_amount_currency,
        {{ odoo_column(src, 'vendor_id', 'bigint') }}               as vendor_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}         as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}               as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
