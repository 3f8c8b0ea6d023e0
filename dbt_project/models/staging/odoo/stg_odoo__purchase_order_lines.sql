{#- Odoo `purchase.order.line`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('purchase_order_line') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                                   as purchase_order_line_id,
        {{ odoo_column(src, 'analytic_distribution', 'text') }}                  as analytic_distribution,
        {{ odoo_column(src, 'company_id', 'bigint') }}                           as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                     as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                           as created_by_user_id,
        {{ odoo_column(src, 'date_planned', 'timestamptz') }}                    as planned_at,
        {{ odoo_column(src, 'discount', 'double') }}                             as discount,
        {{ odoo_column(src, 'display_type', 'text') }}                           as display_type,
        {{ odoo_column(src, 'is_downpayment', 'boolean') }}                      as is_downpayment,
        {{ odoo_column(src, 'location_final_id', 'bigint') }}                    as location_final_id,
        {{ odoo_column(src, 'move_dest_ids', 'text') }}                          as move_dest_ids,
        {{ odoo_column(src, 'name', 'text') }}                                   as name,
        {{ odoo_column(src, 'order_id', 'bigint') }}                             as order_id,
        {{ odoo_column(src, 'orderpoint_id', 'bigint') }}                        as orderpoint_id,
        {{ odoo_column(src, 'partner_id', 'bigint') }}                           as partner_id,
        {{ odoo_column(src, 'price_subtotal', 'money') }}                        as price_subtotal,
        {{ odoo_column(src, 'price_tax', 'double') }}                            as price_tax,
        {{ odoo_column(src, 'price_total', 'money') }}                           as price_total,
        {{ odoo_column(src, 'price_unit', 'double') }}                           as price_unit,
        {{ odoo_column(src, 'product_description_variants', 'text') }}           as product_description_variants,
        {{ odoo_column(src, 'product_id', 'bigint') }}                           as product_id,
        {{ odoo_column(src, 'product_no_variant_attribute_value_ids', 'text') }} as product_no_variant_attribute_value_ids,
        {{ odoo_column(src, 'product_qty', 'double') }}                          as product_qty,
        {{ odoo_column(src, 'product_uom_id', 'bigint') }}                       as product_uom_id,
        {{ odoo_column(src, 'product_uom_qty', 'double') }}                      as product_uom_qty,
        {{ odoo_column(src, 'propagate_cancel', 'boolean') }}                    as is_propagate_cancel,
        {{ odoo_column(src, 'qty_invoiced', 'double') }}                         as qty_invoiced,
        {{ odoo_column(src, 'qty_received', 'double') }}                         as qty_received,
        {{ odoo_column(src, 'qty_received_manual', 'double') }}                  as qty_received_manual,
        {{ odoo_column(src, 'qty_received_method', 'text') }}                    as qty_received_method,
        {{ odoo_column(src, 'qty_to_invoice', 'double') }}                       as qty_to_invoice,
        {{ odoo_column(src, 'sale_line_id', 'bigint') }}                         as sale_line_id,
        {{ odoo_column(src, 'sequence', 'bigint') }}                             as sequence,
        {{ odoo_column(src, 'tax_ids', 'text') }}                                as tax_ids,
        {{ odoo_column(src, 'technical_price_unit', 'double') }}                 as technical_price_unit,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                      as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                            as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
