{#- Odoo `stock.location`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('stock_location') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                         as location_id,
        {{ odoo_column(src, 'active', 'boolean') }}                    as is_active,
        {{ odoo_column(src, 'barcode', 'text') }}                      as barcode,
        {{ odoo_column(src, 'company_id', 'bigint') }}                 as company_id,
        {{ odoo_column(src, 'complete_name', 'text') }}                as complete_name,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}           as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                 as created_by_user_id,
        {{ odoo_column(src, 'cyclic_inventory_frequency', 'bigint') }} as cyclic_inventory_frequency,
        {{ odoo_column(src, 'last_inventory_date', 'date') }}          as last_inventory_date,
        {{ odoo_column(src, 'location_id', 'bigint') }}                as parent_location_id,
        {{ odoo_column(src, 'name', 'text') }}                         as name,
        {{ odoo_column(src, 'next_inventory_date', 'date') }}          as next_inventory_date,
        {{ odoo_column(src, 'parent_path', 'text') }}                  as parent_path,
        {{ odoo_column(src, 'removal_strategy_id', 'bigint') }}        as removal_strategy_id,
        {{ odoo_column(src, 'replenish_location', 'boolean') }}        as is_replenish_location,
        {{ odoo_column(src, 'storage_category_id', 'bigint') }}        as storage_category_id,
        {{ odoo_column(src, 'usage', 'text') }}                        as usage,
        {{ odoo_column(src, 'valuation_account_id', 'bigint') }}       as valuation_account_id,
        {{ odoo_column(src, 'warehouse_id', 'bigint') }}               as warehouse_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}            as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                  as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
