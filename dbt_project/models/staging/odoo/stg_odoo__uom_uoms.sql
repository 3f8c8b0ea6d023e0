{#- Odoo `uom.uom`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('uom_uom') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}               as uom_id,
        {{ odoo_column(src, 'active', 'boolean') }}          as is_active,
        {{ odoo_column(src, 'create_date', 'timestamptz') }} as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}       as created_by_user_id,
        {{ odoo_column(src, 'factor', 'double') }}           as factor,
        {{ odoo_column(src, 'name', 'text') }}               as name,
        {{ odoo_column(src, 'package_type_id', 'bigint') }}  as package_type_id,
        {{ odoo_column(src, 'parent_path', 'text') }}        as parent_path,
        {{ odoo_column(src, 'relative_factor', 'double') }}  as relative_factor,
        {{ odoo_column(src, 'relative_uom_id', 'bigint') }}  as relative_uom_id,
        {{ odoo_column(src, 'sequence', 'bigint') }}         as sequence,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}  as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}        as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
