{#- Odoo `product.template`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('product_template') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                                   as product_template_id,
        {{ odoo_column(src, 'account_tag_ids', 'text') }}                        as account_tag_ids,
        {{ odoo_column(src, 'active', 'boolean') }}                              as is_active,
        {{ odoo_column(src, 'can_be_expensed', 'boolean') }}                     as is_can_be_expensed,
        {{ odoo_column(src, 'can_image_1024_be_zoomed', 'boolean') }}            as is_can_image_1024_be_zoomed,
        {{ odoo_column(src, 'categ_id', 'bigint') }}                             as categ_id,
        {{ odoo_column(src, 'color', 'bigint') }}                                as color,
        {{ odoo_column(src, 'combo_ids', 'text') }}                              as combo_ids,
        {{ odoo_column(src, 'company_id', 'bigint') }}                           as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                     as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                           as created_by_user_id,
        {{ odoo_column(src, 'default_code', 'text') }}                           as default_code,
        {{ odoo_column(src, 'description', 'text') }}                            as description,
        {{ odoo_column(src, 'description_picking', 'text') }}                    as description_picking,
        {{ odoo_column(src, 'description_pickingin', 'text') }}                  as description_pickingin,
        {{ odoo_column(src, 'description_pickingout', 'text') }}                 as description_pickingout,
        {{ odoo_column(src, 'description_purchase', 'text') }}                   as description_purchase,
        {{ odoo_column(src, 'description_sale', 'text') }}                       as description_sale,
        {{ odoo_column(src, 'expense_policy', 'text') }}                         as expense_policy,
        {{ odoo_column(src, 'has_configurable_attributes', 'boolean') }}         as has_configurable_attributes,
        {{ odoo_column(src, 'invoice_policy', 'text') }}                         as invoice_policy,
        {{ odoo_column(src, 'is_favorite', 'boolean') }}                         as is_favorite,
        {{ odoo_column(src, 'is_storable', 'boolean') }}                         as is_storable,
        {{ odoo_column(src, 'list_price', 'double') }}                           as list_price,
        {{ odoo_column(src, 'lot_sequence_id', 'bigint') }}                      as lot_sequence_id,
        {{ odoo_column(src, 'lot_valuated', 'boolean') }}                        as is_lot_valuated,
        {{ odoo_column(src, 'name', 'text') }}                                   as name,
        {{ odoo_column(src, 'optional_product_ids', 'text') }}                   as optional_product_ids,
        {{ odoo_column(src, 'product_tag_ids', 'text') }}                        as product_tag_ids,
        {{ odoo_column(src, 'project_id', 'bigint') }}                           as project_id,
        {{ odoo_column(src, 'project_template_id', 'bigint') }}                  as project_template_id,
        {{ odoo_column(src, 'property_account_expense_id', 'bigint') }}          as property_account_expense_id,
        {{ odoo_column(src, 'property_account_income_id', 'bigint') }}           as property_account_income_id,
        {{ odoo_column(src, 'property_price_difference_account_id', 'bigint') }} as property_price_difference_account_id,
        {{ odoo_column(src, 'property_stock_inventory', 'bigint') }}             as property_stock_inventory,
        {{ odoo_column(src, 'property_stock_production', 'bigint') }}            as property_stock_production,
        {{ odoo_column(src, 'purchase_line_warn_msg', 'text') }}                 as purchase_line_warn_msg,
        {{ odoo_column(src, 'purchase_method', 'text') }}                        as purchase_method,
        {{ odoo_column(src, 'purchase_ok', 'boolean') }}                         as is_purchase_ok,
        {{ odoo_column(src, 'responsible_id', 'bigint') }}                       as responsible_id,
        {{ odoo_column(src, 'route_ids', 'text') }}                              as route_ids,
        {{ odoo_column(src, 'sale_delay', 'bigint') }}                           as sale_delay,
        {{ odoo_column(src, 'sale_line_warn_msg', 'text') }}                     as sale_line_warn_msg,
        {{ odoo_column(src, 'sale_ok', 'boolean') }}                             as is_sale_ok,
        {{ odoo_column(src, 'sequence', 'bigint') }}                             as sequence,
        {{ odoo_column(src, 'service_to_purchase', 'boolean') }}                 as is_service_to_purchase,
        {{ odoo_column(src, 'service_tracking', 'text') }}                       as service_tracking,
        {{ odoo_column(src, 'service_type', 'text') }}                           as service_type,
        {{ odoo_column(src, 'supplier_taxes_id', 'text') }}                      as supplier_taxes_id,
        {{ odoo_column(src, 'task_template_id', 'bigint') }}                     as task_template_id,
        {{ odoo_column(src, 'taxes_id', 'text') }}                               as taxes_id,
        {{ odoo_column(src, 'tracking', 'text') }}                               as tracking,
        {{ odoo_column(src, 'type', 'text') }}                                   as type,
        {{ odoo_column(src, 'uom_id', 'bigint') }}                               as uom_id,
        {{ odoo_column(src, 'uom_ids', 'text') }}                                as uom_ids,
        {{ odoo_column(src, 'volume', 'double') }}                               as volume,
        {{ odoo_column(src, 'weight', 'double') }}                               as weight,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                      as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                            as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
