{#- Odoo `account.account`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('account_account') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                         as account_id,
        {{ odoo_column(src, 'account_stock_expense_id', 'bigint') }}   as account_stock_expense_id,
        {{ odoo_column(src, 'account_stock_variation_id', 'bigint') }} as account_stock_variation_id,
        {{ odoo_column(src, 'account_type', 'text') }}                 as account_type,
        {{ odoo_column(src, 'active', 'boolean') }}                    as is_active,
        {{ odoo_column(src, 'code_store', 'text') }}                   as account_code,
        {{ odoo_column(src, 'company_ids', 'text') }}                  as company_ids,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}           as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                 as created_by_user_id,
        {{ odoo_column(src, 'currency_id', 'bigint') }}                as currency_id,
        {{ odoo_column(src, 'description', 'text') }}                  as description,
        {{ odoo_column(src, 'name', 'text') }}                         as name,
        {{ odoo_column(src, 'non_trade', 'boolean') }}                 as is_non_trade,
        {{ odoo_column(src, 'note', 'text') }}                         as note,
        {{ odoo_column(src, 'reconcile', 'boolean') }}                 as is_reconcilable,
        {{ odoo_column(src, 'tag_ids', 'text') }}                      as tag_ids,
        {{ odoo_column(src, 'tax_ids', 'text') }}                      as tax_ids,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}            as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                  as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
