{#- Odoo `stock.picking`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('stock_picking') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                  as picking_id,
        {{ odoo_column(src, 'backorder_id', 'bigint') }}        as backorder_id,
        {{ odoo_column(src, 'company_id', 'bigint') }}          as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}    as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}          as created_by_user_id,
        {{ odoo_column(src, 'date_deadline', 'timestamptz') }}  as deadline_at,
        {{ odoo_column(src, 'date_done', 'timestamptz') }}      as done_at,
        {{ odoo_column(src, 'has_deadline_issue', 'boolean') }} as has_deadline_issue,
        {{ odoo_column(src, 'is_locked', 'boolean') }}          as is_locked,
        {{ odoo_column(src, 'location_dest_id', 'bigint') }}    as location_dest_id,
        {{ odoo_column(src, 'location_id', 'bigint') }}         as location_id,
        {{ odoo_column(src, 'move_type', 'text') }}             as move_type,
        {{ odoo_column(src, 'name', 'text') }}                  as name,
        {{ odoo_column(src, 'note', 'text') }}                  as note,
        {{ odoo_column(src, 'origin', 'text') }}                as origin,
        {{ odoo_column(src, 'owner_id', 'bigint') }}            as owner_id,
        {{ odoo_column(src, 'package_history_ids', 'text') }}   as package_history_ids,
        {{ odoo_column(src, 'partner_id', 'bigint') }}          as partner_id,
        {{ odoo_column(src, 'picking_type_id', 'bigint') }}     as picking_type_id,
        {{ odoo_column(src, 'printed', 'boolean') }}            as is_printed,
        {{ odoo_column(src, 'priority', 'text') }}              as priority,
        {{ odoo_column(src, 'project_id', 'bigint') }}          as project_id,
        {{ odoo_column(src, 'return_id', 'bigint') }}           as return_id,
        {{ odoo_column(src, 'sale_id', 'bigint') }}             as sale_id,
        {{ odoo_column(src, 'scheduled_date', 'timestamptz') }} as scheduled_at,
        {{ odoo_column(src, 'shipping_weight', 'double') }}     as shipping_weight,
        {{ odoo_column(src, 'state', 'text') }}                 as state,
        {{ odoo_column(src, 'user_id', 'bigint') }}             as user_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}     as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}           as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
