{#- Odoo `crm.team`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('crm_team') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                 as team_id,
        {{ odoo_column(src, 'active', 'boolean') }}            as is_active,
        {{ odoo_column(src, 'alias_id', 'bigint') }}           as alias_id,
        {{ odoo_column(src, 'assignment_domain', 'text') }}    as assignment_domain,
        {{ odoo_column(src, 'assignment_optout', 'boolean') }} as is_assignment_optout,
        {{ odoo_column(src, 'color', 'bigint') }}              as color,
        {{ odoo_column(src, 'company_id', 'bigint') }}         as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}   as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}         as created_by_user_id,
        {{ odoo_column(src, 'favorite_user_ids', 'text') }}    as favorite_user_ids,
        {{ odoo_column(src, 'invoiced_target', 'double') }}    as invoiced_target,
        {{ odoo_column(src, 'name', 'text') }}                 as name,
        {{ odoo_column(src, 'sequence', 'bigint') }}           as sequence,
        {{ odoo_column(src, 'use_leads', 'boolean') }}         as is_use_leads,
        {{ odoo_column(src, 'use_opportunities', 'boolean') }} as is_use_opportunities,
        {{ odoo_column(src, 'user_id', 'bigint') }}            as user_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}    as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}          as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
