{#- Odoo `res.currency.rate`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('res_currency_rate') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}               as currency_rate_id,
        {{ odoo_column(src, 'company_id', 'bigint') }}       as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }} as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}       as created_by_user_id,
        {{ odoo_column(src, 'currency_id', 'bigint') }}      as currency_id,
        {{ odoo_column(src, 'name', 'date') }}               as rate_date,
        {{ odoo_column(src, 'rate', 'double') }}             as rate,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}  as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}        as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
