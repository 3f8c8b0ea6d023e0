{#- Odoo `crm.stage`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('crm_stage') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                     as stage_id,
        {{ odoo_column(src, 'color', 'bigint') }}                  as color,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}       as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}             as created_by_user_id,
        {{ odoo_column(src, 'fold', 'boolean') }}                  as is_fold,
        {{ odoo_column(src, 'is_won', 'boolean') }}                as is_won,
        {{ odoo_column(src, 'name', 'text') }}                     as name,
        {{ odoo_column(src, 'requirements', 'text') }}             as requirements,
        {{ odoo_column(src, 'rotting_threshold_days', 'bigint') }} as rotting_threshold_days,
        {{ odoo_column(src, 'sequence', 'bigint') }}               as sequence,
        {{ odoo_column(src, 'team_ids', 'text') }}                 as team_ids,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}        as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}              as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
