{#- Odoo `res.currency`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('res_currency') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                   as currency_id,
        {{ odoo_column(src, 'active', 'boolean') }}              as is_active,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}     as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}           as created_by_user_id,
        {{ odoo_column(src, 'currency_subunit_label', 'text') }} as currency_subunit_label,
        {{ odoo_column(src, 'currency_unit_label', 'text') }}    as currency_unit_label,
        {{ odoo_column(src, 'decimal_places', 'bigint') }}       as decimal_places,
        {{ odoo_column(src, 'full_name', 'text') }}              as full_name,
        {{ odoo_column(src, 'iso_numeric', 'bigint') }}          as iso_numeric,
        {{ odoo_column(src, 'name', 'text') }}                   as name,
        {{ odoo_column(src, 'position', 'text') }}               as position,
        {{ odoo_column(src, 'rounding', 'double') }}             as rounding,
        {{ odoo_column(src, 'symbol', 'text') }}                 as symbol,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}      as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}            as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
