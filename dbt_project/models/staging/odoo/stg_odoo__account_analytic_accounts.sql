{#- Odoo `account.analytic.account`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('account_analytic_account') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}               as analytic_account_id,
        {{ odoo_column(src, 'active', 'boolean') }}          as is_active,
        {{ odoo_column(src, 'code', 'text') }}               as code,
        {{ odoo_column(src, 'company_id', 'bigint') }}       as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }} as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}       as created_by_user_id,
        {{ odoo_column(src, 'name', 'text') }}               as name,
        {{ odoo_column(src, 'partner_id', 'bigint') }}       as partner_id,
        {{ odoo_column(src, 'plan_id', 'bigint') }}          as plan_id,
        {{ odoo_column(src, 'root_plan_id', 'bigint') }}     as root_plan_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}  as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}        as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
