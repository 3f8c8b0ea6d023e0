{#- Odoo `res.users`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('res_users') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                      as user_id,
        {{ odoo_column(src, 'action_id', 'bigint') }}               as action_id,
        {{ odoo_column(src, 'active', 'boolean') }}                 as is_active,
        {{ odoo_column(src, 'company_id', 'bigint') }}              as company_id,
        {{ odoo_column(src, 'company_ids', 'text') }}               as company_ids,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}        as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}              as created_by_user_id,
        {{ odoo_column(src, 'favorite_project_ids', 'text') }}      as favorite_project_ids,
        {{ odoo_column(src, 'group_ids', 'text') }}                 as group_ids,
        {{ odoo_column(src, 'login', 'text') }}                     as login,
        {{ odoo_column(src, 'manual_im_status', 'text') }}          as manual_im_status,
        {{ odoo_column(src, 'notification_type', 'text') }}         as notification_type,
        {{ odoo_column(src, 'odoobot_failed', 'boolean') }}         as is_odoobot_failed,
        {{ odoo_column(src, 'odoobot_state', 'text') }}             as odoobot_state,
        {{ odoo_column(src, 'out_of_office_from', 'timestamptz') }} as out_of_office_from_at,
        {{ odoo_column(src, 'out_of_office_message', 'text') }}     as out_of_office_message,
        {{ odoo_column(src, 'out_of_office_to', 'timestamptz') }}   as out_of_office_to_at,
        {{ odoo_column(src, 'partner_id', 'bigint') }}              as partner_id,
        {{ odoo_column(src, 'property_warehouse_id', 'bigint') }}   as property_warehouse_id,
        {{ odoo_column(src, 'role_ids', 'text') }}                  as role_ids,
        {{ odoo_column(src, 'sale_team_id', 'bigint') }}            as sale_team_id,
        {{ odoo_column(src, 'share', 'boolean') }}                  as is_share,
        {{ odoo_column(src, 'signature', 'text') }}                 as signature,
        {{ odoo_column(src, 'tour_enabled', 'boolean') }}           as is_tour_enabled,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}         as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}               as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
