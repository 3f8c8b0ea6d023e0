{#- Odoo `account.payment`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('account_payment') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                                  as payment_id,
        {{ odoo_column(src, 'amount', 'money') }}                               as amount,
        {{ odoo_column(src, 'amount_company_currency_signed', 'money') }}       as amount_company_currency_signed,
        {{ odoo_column(src, 'company_id', 'bigint') }}                          as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                    as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                          as created_by_user_id,
        {{ odoo_column(src, 'currency_id', 'bigint') }}                         as currency_id,
        {{ odoo_column(src, 'date', 'date') }}                                  as payment_date,
        {{ odoo_column(src, 'destination_account_id', 'bigint') }}              as destination_account_id,
        {{ odoo_column(src, 'invoice_ids', 'text') }}                           as invoice_ids,
        {{ odoo_column(src, 'is_matched', 'boolean') }}                         as is_matched,
        {{ odoo_column(src, 'is_reconciled', 'boolean') }}                      as is_reconciled,
        {{ odoo_column(src, 'is_sent', 'boolean') }}                            as is_sent,
        {{ odoo_column(src, 'journal_id', 'bigint') }}                          as journal_id,
        {{ odoo_column(src, 'memo', 'text') }}                                  as memo,
        {{ odoo_column(src, 'move_id', 'bigint') }}                             as move_id,
        {{ odoo_column(src, 'name', 'text') }}                                  as name,
        {{ odoo_column(src, 'outstanding_account_id', 'bigint') }}              as outstanding_account_id,
        {{ odoo_column(src, 'paired_internal_transfer_payment_id', 'bigint') }} as paired_internal_transfer_payment_id,
        {{ odoo_column(src, 'partner_bank_id', 'bigint') }}                     as partner_bank_id,
        {{ odoo_column(src, 'partner_id', 'bigint') }}                          as partner_id,
        {{ odoo_column(src, 'partner_type', 'text') }}                          as partner_type,
        {{ odoo_column(src, 'payment_method_id', 'bigint') }}                   as payment_method_id,
        {{ odoo_column(src, 'payment_method_line_id', 'bigint') }}              as payment_method_line_id,
        {{ odoo_column(src, 'payment_reference', 'text') }}                     as payment_reference,
        {{ odoo_column(src, 'payment_token_id', 'bigint') }}                    as payment_token_id,
        {{ odoo_column(src, 'payment_transaction_id', 'bigint') }}              as payment_transaction_id,
        {{ odoo_column(src, 'payment_type', 'text') }}                          as payment_type,
        {{ odoo_column(src, 'source_payment_id', 'bigint') }}                   as source_payment_id,
        {{ odoo_column(src, 'state', 'text') }}                                 as state,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                     as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                           as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
