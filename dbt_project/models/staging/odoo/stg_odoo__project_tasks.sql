{#- Odoo `project.task`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('project_task') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                          as task_id,
        {{ odoo_column(src, 'active', 'boolean') }}                     as is_active,
        {{ odoo_column(src, 'allocated_hours', 'double') }}             as allocated_hours,
        {{ odoo_column(src, 'color', 'bigint') }}                       as color,
        {{ odoo_column(src, 'company_id', 'bigint') }}                  as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}            as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                  as created_by_user_id,
        {{ odoo_column(src, 'date_assign', 'timestamptz') }}            as assign_at,
        {{ odoo_column(src, 'date_deadline', 'timestamptz') }}          as deadline_at,
        {{ odoo_column(src, 'date_end', 'timestamptz') }}               as end_at,
        {{ odoo_column(src, 'date_last_stage_update', 'timestamptz') }} as last_stage_update_at,
        {{ odoo_column(src, 'depend_on_ids', 'text') }}                 as depend_on_ids,
        {{ odoo_column(src, 'dependent_ids', 'text') }}                 as dependent_ids,
        {{ odoo_column(src, 'description', 'text') }}                   as description,
        {{ odoo_column(src, 'display_in_project', 'boolean') }}         as is_display_in_project,
        {{ odoo_column(src, 'displayed_image_id', 'bigint') }}          as displayed_image_id,
        {{ odoo_column(src, 'email_cc', 'text') }}                      as email_cc,
        {{ odoo_column(src, 'email_from', 'text') }}                    as email_from,
        {{ odoo_column(src, 'has_template_ancestor', 'boolean') }}      as has_template_ancestor,
        {{ odoo_column(src, 'html_field_history', 'text') }}            as html_field_history,
        {{ odoo_column(src, 'is_template', 'boolean') }}                as is_template,
        {{ odoo_column(src, 'milestone_id', 'bigint') }}                as milestone_id,
        {{ odoo_column(src, 'name', 'text') }}                          as name,
        {{ odoo_column(src, 'parent_id', 'bigint') }}                   as parent_id,
        {{ odoo_column(src, 'partner_id', 'bigint') }}                  as partner_id,
        {{ odoo_column(src, 'partner_phone', 'text') }}                 as partner_phone,
        {{ odoo_column(src, 'personal_stage_type_ids', 'text') }}       as personal_stage_type_ids,
        {{ odoo_column(src, 'priority', 'text') }}                      as priority,
        {{ odoo_column(src, 'project_id', 'bigint') }}                  as project_id,
        {{ odoo_column(src, 'recurrence_id', 'bigint') }}               as recurrence_id,
        {{ odoo_column(src, 'recurring_task', 'boolean') }}             as is_recurring_task,
        {{ odoo_column(src, 'role_ids', 'text') }}                      as role_ids,
        {{ odoo_column(src, 'sale_line_id', 'bigint') }}                as sale_line_id,
        {{ odoo_column(src, 'sale_order_id', 'bigint') }}               as sale_order_id,
        {{ odoo_column(src, 'sequence', 'bigint') }}                    as sequence,
        {{ odoo_column(src, 'stage_id', 'bigint') }}                    as stage_id,
        {{ odoo_column(src, 'state', 'text') }}                         as state,
        {{ odoo_column(src, 'tag_ids', 'text') }}                       as tag_ids,
        {{ odoo_column(src, 'user_ids', 'text') }}                      as user_ids,
        {{ odoo_column(src, 'working_days_close', 'double') }}          as working_days_close,
        {{ odoo_column(src, 'working_days_open', 'double') }}           as working_days_open,
        {{ odoo_column(src, 'working_hours_close', 'double') }}         as working_hours_close,
        {{ odoo_column(src, 'working_hours_open', 'double') }}          as working_hours_open,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}             as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                   as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
