{#- Odoo `stock.move`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('stock_move') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                                       as stock_move_id,
        {{ odoo_column(src, 'account_move_id', 'bigint') }}                          as account_move_id,
        {{ odoo_column(src, 'additional', 'boolean') }}                              as is_additional,
        {{ odoo_column(src, 'analytic_account_line_ids', 'text') }}                  as analytic_account_line_ids,
        {{ odoo_column(src, 'company_id', 'bigint') }}                               as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                         as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                               as created_by_user_id,
        {{ odoo_column(src, 'created_purchase_line_ids', 'text') }}                  as created_purchase_line_ids,
        {{ odoo_column(src, 'date', 'timestamptz') }}                                as moved_at,
        {{ odoo_column(src, 'date_deadline', 'timestamptz') }}                       as deadline_at,
        {{ odoo_column(src, 'delay_alert_date', 'timestamptz') }}                    as delay_alert_at,
        {{ odoo_column(src, 'description_picking_manual', 'text') }}                 as description_picking_manual,
        {{ odoo_column(src, 'inventory_name', 'text') }}                             as inventory_name,
        {{ odoo_column(src, 'is_dropship', 'boolean') }}                             as is_dropship,
        {{ odoo_column(src, 'is_in', 'boolean') }}                                   as is_in,
        {{ odoo_column(src, 'is_inventory', 'boolean') }}                            as is_inventory,
        {{ odoo_column(src, 'is_out', 'boolean') }}                                  as is_out,
        {{ odoo_column(src, 'location_dest_id', 'bigint') }}                         as location_dest_id,
        {{ odoo_column(src, 'location_final_id', 'bigint') }}                        as location_final_id,
        {{ odoo_column(src, 'location_id', 'bigint') }}                              as location_id,
        {{ odoo_column(src, 'move_dest_ids', 'text') }}                              as move_dest_ids,
        {{ odoo_column(src, 'move_orig_ids', 'text') }}                              as move_orig_ids,
        {{ odoo_column(src, 'never_product_template_attribute_value_ids', 'text') }} as never_product_template_attribute_value_ids,
        {{ odoo_column(src, 'next_serial', 'text') }}                                as next_serial,
        {{ odoo_column(src, 'next_serial_count', 'bigint') }}                        as next_serial_count,
        {{ odoo_column(src, 'orderpoint_id', 'bigint') }}                            as orderpoint_id,
        {{ odoo_column(src, 'origin', 'text') }}                                     as origin,
        {{ odoo_column(src, 'origin_returned_move_id', 'bigint') }}                  as origin_returned_move_id,
        {{ odoo_column(src, 'packaging_uom_id', 'bigint') }}                         as packaging_uom_id,
        {{ odoo_column(src, 'packaging_uom_qty', 'double') }}                        as packaging_uom_qty,
        {{ odoo_column(src, 'partner_id', 'bigint') }}                               as partner_id,
        {{ odoo_column(src, 'picked', 'boolean') }}                                  as is_picked,
        {{ odoo_column(src, 'picking_id', 'bigint') }}                               as picking_id,
        {{ odoo_column(src, 'picking_type_id', 'bigint') }}                          as picking_type_id,
        {{ odoo_column(src, 'price_unit', 'double') }}                               as price_unit,
        {{ odoo_column(src, 'priority', 'text') }}                                   as priority,
        {{ odoo_column(src, 'procure_method', 'text') }}                             as procure_method,
        {{ odoo_column(src, 'product_id', 'bigint') }}                               as product_id,
        {{ odoo_column(src, 'product_qty', 'double') }}                              as product_qty,
        {{ odoo_column(src, 'product_uom', 'bigint') }}                              as product_uom,
        {{ odoo_column(src, 'product_uom_qty', 'double') }}                          as product_uom_qty,
        {{ odoo_column(src, 'propagate_cancel', 'boolean') }}                        as is_propagate_cancel,
        {{ odoo_column(src, 'purchase_line_id', 'bigint') }}                         as purchase_line_id,
        {{ odoo_column(src, 'quantity', 'double') }}                                 as quantity,
        {{ odoo_column(src, 'reference', 'text') }}                                  as reference,
        {{ odoo_column(src, 'reference_ids', 'text') }}                              as reference_ids,
        {{ odoo_column(src, 'reservation_date', 'date') }}                           as reservation_date,
        {{ odoo_column(src, 'restrict_partner_id', 'bigint') }}                      as restrict_partner_id,
        {{ odoo_column(src, 'route_ids', 'text') }}                                  as route_ids,
        {{ odoo_column(src, 'rule_id', 'bigint') }}                                  as rule_id,
        {{ odoo_column(src, 'sale_line_id', 'bigint') }}                             as sale_line_id,
        {{ odoo_column(src, 'scrap_id', 'bigint') }}                                 as scrap_id,
        {{ odoo_column(src, 'sequence', 'bigint') }}                                 as sequence,
        {{ odoo_column(src, 'state', 'text') }}                                      as state,
        {{ odoo_column(src, 'to_refund', 'boolean') }}                               as is_to_refund,
        {{ odoo_column(src, 'value', 'money') }}                                     as value,
        {{ odoo_column(src, 'warehouse_id', 'bigint') }}                             as warehouse_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                          as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                                as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
