{#- Odoo `account.partial.reconcile`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('account_partial_reconcile') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                    as partial_reconcile_id,
        {{ odoo_column(src, 'amount', 'money') }}                 as amount,
        {{ odoo_column(src, 'company_id', 'bigint') }}            as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}      as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}            as created_by_user_id,
        {{ odoo_column(src, 'credit_amount_currency', 'money') }} as credit_amount_currency,
        {{ odoo_column(src, 'credit_currency_id', 'bigint') }}    as credit_currency_id,
        {{ odoo_column(src, 'credit_move_id', 'bigint') }}        as credit_move_id,
        {{ odoo_column(src, 'debit_amount_currency', 'money') }}  as debit_amount_currency,
        {{ odoo_column(src, 'debit_currency_id', 'bigint') }}     as debit_currency_id,
        {{ odoo_column(src, 'debit_move_id', 'bigint') }}         as debit_move_id,
        {{ odoo_column(src, 'exchange_move_id', 'bigint') }}      as exchange_move_id,
        {{ odoo_column(src, 'full_reconcile_id', 'bigint') }}     as full_reconcile_id,
        {{ odoo_column(src, 'max_date', 'date') }}                as max_date,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}       as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}             as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
