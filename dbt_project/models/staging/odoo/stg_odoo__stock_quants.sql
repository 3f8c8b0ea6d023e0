{#- Odoo `stock.quant`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('stock_quant') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                      as quant_id,
        {{ odoo_column(src, 'accounting_date', 'date') }}           as accounting_date,
        {{ odoo_column(src, 'company_id', 'bigint') }}              as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}        as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}              as created_by_user_id,
        {{ odoo_column(src, 'in_date', 'timestamptz') }}            as in_at,
        {{ odoo_column(src, 'inventory_date', 'date') }}            as inventory_date,
        {{ odoo_column(src, 'inventory_diff_quantity', 'double') }} as inventory_diff_quantity,
        {{ odoo_column(src, 'inventory_quantity', 'double') }}      as inventory_quantity,
        {{ odoo_column(src, 'inventory_quantity_set', 'boolean') }} as is_inventory_quantity_set,
        {{ odoo_column(src, 'location_id', 'bigint') }}             as location_id,
        {{ odoo_column(src, 'lot_id', 'bigint') }}                  as lot_id,
        {{ odoo_column(src, 'owner_id', 'bigint') }}                as owner_id,
        {{ odoo_column(src, 'package_id', 'bigint') }}              as package_id,
        {{ odoo_column(src, 'product_id', 'bigint') }}              as product_id,
        {{ odoo_column(src, 'quantity', 'double') }}                as quantity,
        {{ odoo_column(src, 'reserved_quantity', 'double') }}       as reserved_quantity,
        {{ odoo_column(src, 'user_id', 'bigint') }}                 as user_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}         as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}               as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
