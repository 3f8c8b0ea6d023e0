{#- Odoo `product.category`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('product_category') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                                   as product_category_id,
        {{ odoo_column(src, 'complete_name', 'text') }}                          as complete_name,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                     as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                           as created_by_user_id,
        {{ odoo_column(src, 'name', 'text') }}                                   as name,
        {{ odoo_column(src, 'packaging_reserve_method', 'text') }}               as packaging_reserve_method,
        {{ odoo_column(src, 'parent_id', 'bigint') }}                            as parent_id,
        {{ odoo_column(src, 'parent_path', 'text') }}                            as parent_path,
        {{ odoo_column(src, 'property_account_expense_categ_id', 'bigint') }}    as property_account_expense_categ_id,
        {{ odoo_column(src, 'property_account_income_categ_id', 'bigint') }}     as property_account_income_categ_id,
        {{ odoo_column(src, 'property_cost_method', 'text') }}                   as property_cost_method,
        {{ odoo_column(src, 'property_price_difference_account_id', 'bigint') }} as property_price_difference_account_id,
        {{ odoo_column(src, 'property_stock_journal', 'bigint') }}               as property_stock_journal,
        {{ odoo_column(src, 'property_stock_valuation_account_id', 'bigint') }}  as property_stock_valuation_account_id,
        {{ odoo_column(src, 'property_valuation', 'text') }}                     as property_valuation,
        {{ odoo_column(src, 'removal_strategy_id', 'bigint') }}                  as removal_strategy_id,
        {{ odoo_column(src, 'route_ids', 'text') }}                              as route_ids,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                      as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                            as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
