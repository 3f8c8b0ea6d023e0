{#- Odoo `stock.warehouse`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('stock_warehouse') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                     as warehouse_id,
        {{ odoo_column(src, 'active', 'boolean') }}                as is_active,
        {{ odoo_column(src, 'buy_pull_id', 'bigint') }}            as buy_pull_id,
        {{ odoo_column(src, 'code', 'text') }}                     as code,
        {{ odoo_column(src, 'company_id', 'bigint') }}             as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}       as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}             as created_by_user_id,
        {{ odoo_column(src, 'delivery_route_id', 'bigint') }}      as delivery_route_id,
        {{ odoo_column(src, 'delivery_steps', 'text') }}           as delivery_steps,
        {{ odoo_column(src, 'in_type_id', 'bigint') }}             as in_type_id,
        {{ odoo_column(src, 'int_type_id', 'bigint') }}            as int_type_id,
        {{ odoo_column(src, 'lot_stock_id', 'bigint') }}           as lot_stock_id,
        {{ odoo_column(src, 'mto_pull_id', 'bigint') }}            as mto_pull_id,
        {{ odoo_column(src, 'name', 'text') }}                     as name,
        {{ odoo_column(src, 'out_type_id', 'bigint') }}            as out_type_id,
        {{ odoo_column(src, 'pack_type_id', 'bigint') }}           as pack_type_id,
        {{ odoo_column(src, 'partner_id', 'bigint') }}             as partner_id,
        {{ odoo_column(src, 'pick_type_id', 'bigint') }}           as pick_type_id,
        {{ odoo_column(src, 'qc_type_id', 'bigint') }}             as qc_type_id,
        {{ odoo_column(src, 'reception_route_id', 'bigint') }}     as reception_route_id,
        {{ odoo_column(src, 'reception_steps', 'text') }}          as reception_steps,
        {{ odoo_column(src, 'resupply_wh_ids', 'text') }}          as resupply_wh_ids,
        {{ odoo_column(src, 'route_ids', 'text') }}                as route_ids,
        {{ odoo_column(src, 'sequence', 'bigint') }}               as sequence,
        {{ odoo_column(src, 'store_type_id', 'bigint') }}          as store_type_id,
        {{ odoo_column(src, 'view_location_id', 'bigint') }}       as view_location_id,
        {{ odoo_column(src, 'wh_input_stock_loc_id', 'bigint') }}  as wh_input_stock_loc_id,
        {{ odoo_column(src, 'wh_output_stock_loc_id', 'bigint') }} as wh_output_stock_loc_id,
        {{ odoo_column(src, 'wh_pack_stock_loc_id', 'bigint') }}   as wh_pack_stock_loc_id,
        {{ odoo_column(src, 'wh_qc_stock_loc_id', 'bigint') }}     as wh_qc_stock_loc_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}        as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}              as updated_by_user_id,
        {{ odoo_column(src, 'xdock_type_id', 'bigint') }}          as xdock_type_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
