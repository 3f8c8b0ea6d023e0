{#- Odoo `mail.message`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('mail_message') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                    as message_id,
        {{ odoo_column(src, 'author_id', 'bigint') }}             as author_id,
        {{ odoo_column(src, 'body', 'text') }}                    as body,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}      as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}            as created_by_user_id,
        {{ odoo_column(src, 'date', 'timestamptz') }}             as posted_at,
        {{ odoo_column(src, 'email_from', 'text') }}              as email_from,
        {{ odoo_column(src, 'mail_activity_type_id', 'bigint') }} as mail_activity_type_id,
        {{ odoo_column(src, 'message_type', 'text') }}            as message_type,
        {{ odoo_column(src, 'model', 'text') }}                   as model,
        {{ odoo_column(src, 'parent_id', 'bigint') }}             as parent_id,
        {{ odoo_column(src, 'record_company_id', 'bigint') }}     as record_company_id,
        {{ odoo_column(src, 'record_name', 'text') }}             as record_name,
        nullif({{ odoo_column(src, 'res_id', 'bigint') }}, 0)        as res_id,
        {{ odoo_column(src, 'subject', 'text') }}                 as subject,
        {{ odoo_column(src, 'subtype_id', 'bigint') }}            as subtype_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}       as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}             as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
