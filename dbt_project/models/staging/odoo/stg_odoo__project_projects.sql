{#- Odoo `project.project`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('project_project') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                       as project_id,
        {{ odoo_column(src, 'account_id', 'bigint') }}               as account_id,
        {{ odoo_column(src, 'active', 'boolean') }}                  as is_active,
        {{ odoo_column(src, 'alias_id', 'bigint') }}                 as alias_id,
        {{ odoo_column(src, 'allow_billable', 'boolean') }}          as is_allow_billable,
        {{ odoo_column(src, 'allow_milestones', 'boolean') }}        as is_allow_milestones,
        {{ odoo_column(src, 'allow_recurring_tasks', 'boolean') }}   as is_allow_recurring_tasks,
        {{ odoo_column(src, 'allow_task_dependencies', 'boolean') }} as is_allow_task_dependencies,
        {{ odoo_column(src, 'color', 'bigint') }}                    as color,
        {{ odoo_column(src, 'company_id', 'bigint') }}               as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}         as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}               as created_by_user_id,
        {{ odoo_column(src, 'date', 'date') }}                       as project_date,
        {{ odoo_column(src, 'date_start', 'date') }}                 as start_date,
        {{ odoo_column(src, 'description', 'text') }}                as description,
        {{ odoo_column(src, 'favorite_user_ids', 'text') }}          as favorite_user_ids,
        {{ odoo_column(src, 'is_template', 'boolean') }}             as is_template,
        {{ odoo_column(src, 'label_tasks', 'text') }}                as label_tasks,
        {{ odoo_column(src, 'last_update_id', 'bigint') }}           as last_update_id,
        {{ odoo_column(src, 'last_update_status', 'text') }}         as last_update_status,
        {{ odoo_column(src, 'name', 'text') }}                       as name,
        {{ odoo_column(src, 'partner_id', 'bigint') }}               as partner_id,
        {{ odoo_column(src, 'privacy_visibility', 'text') }}         as privacy_visibility,
        {{ odoo_column(src, 'reinvoiced_sale_order_id', 'bigint') }} as reinvoiced_sale_order_id,
        {{ odoo_column(src, 'sale_line_id', 'bigint') }}             as sale_line_id,
        {{ odoo_column(src, 'sequence', 'bigint') }}                 as sequence,
        {{ odoo_column(src, 'tag_ids', 'text') }}                    as tag_ids,
        {{ odoo_column(src, 'type_ids', 'text') }}                   as type_ids,
        {{ odoo_column(src, 'user_id', 'bigint') }}                  as user_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}          as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
