{#- Odoo `mail.activity`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('mail_activity') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                           as activity_id,
        {{ odoo_column(src, 'active', 'boolean') }}                      as is_active,
        {{ odoo_column(src, 'activity_type_id', 'bigint') }}             as activity_type_id,
        {{ odoo_column(src, 'attachment_ids', 'text') }}                 as attachment_ids,
        {{ odoo_column(src, 'automated', 'boolean') }}                   as is_automated,
        {{ odoo_column(src, 'calendar_event_id', 'bigint') }}            as calendar_event_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}             as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                   as created_by_user_id,
        {{ odoo_column(src, 'date_deadline', 'date') }}                  as deadline_date,
        {{ odoo_column(src, 'date_done', 'date') }}                      as done_date,
        {{ odoo_column(src, 'feedback', 'text') }}                       as feedback,
        {{ odoo_column(src, 'note', 'text') }}                           as note,
        {{ odoo_column(src, 'previous_activity_type_id', 'bigint') }}    as previous_activity_type_id,
        {{ odoo_column(src, 'recommended_activity_type_id', 'bigint') }} as recommended_activity_type_id,
        nullif({{ odoo_column(src, 'res_id', 'bigint') }}, 0)               as res_id,
        {{ odoo_column(src, 'res_model', 'text') }}                      as res_model,
        {{ odoo_column(src, 'res_model_id', 'bigint') }}                 as res_model_id,
        {{ odoo_column(src, 'res_name', 'text') }}                       as res_name,
        {{ odoo_column(src, 'summary', 'text') }}                        as summary,
        {{ odoo_column(src, 'user_id', 'bigint') }}                      as user_id,
        {{ odoo_column(src, 'user_tz', 'text') }}                        as user_tz,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}              as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                    as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
