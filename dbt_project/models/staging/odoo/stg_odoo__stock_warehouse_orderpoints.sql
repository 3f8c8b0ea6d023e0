{#- Odoo `stock.warehouse.orderpoint`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('stock_warehouse_orderpoint') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                    as orderpoint_id,
        {{ odoo_column(src, 'active', 'boolean') }}               as is_active,
        {{ odoo_column(src, 'company_id', 'bigint') }}            as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}      as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}            as created_by_user_id,
        {{ odoo_column(src, 'deadline_date', 'date') }}           as deadline_date,
        {{ odoo_column(src, 'location_id', 'bigint') }}           as location_id,
        {{ odoo_column(src, 'name', 'text') }}                    as name,
        {{ odoo_column(src, 'product_id', 'bigint') }}            as product_id,
        {{ odoo_column(src, 'product_max_qty', 'double') }}       as product_max_qty,
        {{ odoo_column(src, 'product_min_qty', 'double') }}       as product_min_qty,
        {{ odoo_column(src, 'qty_to_order_computed', 'double') }} as qty_to_order_computed,
        {{ odoo_column(src, 'qty_to_order_manual', 'double') }}   as qty_to_order_manual,
        {{ odoo_column(src, 'replenishment_uom_id', 'bigint') }}  as replenishment_uom_id,
        {{ odoo_column(src, 'route_id', 'bigint') }}              as route_id,
        {{ odoo_column(src, 'snoozed_until', 'date') }}           as snoozed_until_date,
        {{ odoo_column(src, 'supplier_id', 'bigint') }}           as supplier_id,
        {{ odoo_column(src, 'trigger', 'text') }}                 as trigger,
        {{ odoo_column(src, 'warehouse_id', 'bigint') }}          as warehouse_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}       as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}             as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
