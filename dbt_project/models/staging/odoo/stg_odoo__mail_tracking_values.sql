{#- Odoo `mail.tracking.value`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('mail_tracking_value') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                      as tracking_value_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}        as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}              as created_by_user_id,
        {{ odoo_column(src, 'currency_id', 'bigint') }}             as currency_id,
        {{ odoo_column(src, 'field_id', 'bigint') }}                as field_id,
        {{ odoo_column(src, 'field_info', 'text') }}                as field_info,
        {{ odoo_column(src, 'mail_message_id', 'bigint') }}         as mail_message_id,
        {{ odoo_column(src, 'new_value_char', 'text') }}            as new_value_char,
        {{ odoo_column(src, 'new_value_datetime', 'timestamptz') }} as new_value_datetime_at,
        {{ odoo_column(src, 'new_value_float', 'double') }}         as new_value_float,
        {{ odoo_column(src, 'new_value_integer', 'bigint') }}       as new_value_integer,
        {{ odoo_column(src, 'new_value_text', 'text') }}            as new_value_text,
        {{ odoo_column(src, 'old_value_char', 'text') }}            as old_value_char,
        {{ odoo_column(src, 'old_value_datetime', 'timestamptz') }} as old_value_datetime_at,
        {{ odoo_column(src, 'old_value_float', 'double') }}         as old_value_float,
        {{ odoo_column(src, 'old_value_integer', 'bigint') }}       as old_value_integer,
        {{ odoo_column(src, 'old_value_text', 'text') }}            as old_value_text,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}         as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}               as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
