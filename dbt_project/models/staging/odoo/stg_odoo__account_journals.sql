{#- Odoo `account.journal`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('account_journal') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                                 as journal_id,
        {{ odoo_column(src, 'active', 'boolean') }}                            as is_active,
        {{ odoo_column(src, 'alias_id', 'bigint') }}                           as alias_id,
        {{ odoo_column(src, 'bank_account_id', 'bigint') }}                    as bank_account_id,
        {{ odoo_column(src, 'bank_statements_source', 'text') }}               as bank_statements_source,
        {{ odoo_column(src, 'code', 'text') }}                                 as code,
        {{ odoo_column(src, 'color', 'bigint') }}                              as color,
        {{ odoo_column(src, 'company_id', 'bigint') }}                         as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                   as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                         as created_by_user_id,
        {{ odoo_column(src, 'currency_id', 'bigint') }}                        as currency_id,
        {{ odoo_column(src, 'default_account_id', 'bigint') }}                 as default_account_id,
        {{ odoo_column(src, 'incoming_einvoice_notification_email', 'text') }} as incoming_einvoice_notification_email,
        {{ odoo_column(src, 'invoice_reference_model', 'text') }}              as invoice_reference_model,
        {{ odoo_column(src, 'invoice_reference_type', 'text') }}               as invoice_reference_type,
        {{ odoo_column(src, 'invoice_template_pdf_report_id', 'bigint') }}     as invoice_template_pdf_report_id,
        {{ odoo_column(src, 'is_self_billing', 'boolean') }}                   as is_self_billing,
        {{ odoo_column(src, 'journal_group_ids', 'text') }}                    as journal_group_ids,
        {{ odoo_column(src, 'loss_account_id', 'bigint') }}                    as loss_account_id,
        {{ odoo_column(src, 'name', 'text') }}                                 as name,
        {{ odoo_column(src, 'non_deductible_account_id', 'bigint') }}          as non_deductible_account_id,
        {{ odoo_column(src, 'payment_sequence', 'boolean') }}                  as is_payment_sequence,
        {{ odoo_column(src, 'profit_account_id', 'bigint') }}                  as profit_account_id,
        {{ odoo_column(src, 'refund_sequence', 'boolean') }}                   as is_refund_sequence,
        {{ odoo_column(src, 'restrict_mode_hash_table', 'boolean') }}          as is_restrict_mode_hash_table,
        {{ odoo_column(src, 'sequence', 'bigint') }}                           as sequence,
        {{ odoo_column(src, 'sequence_override_regex', 'text') }}              as sequence_override_regex,
        {{ odoo_column(src, 'show_on_dashboard', 'boolean') }}                 as is_show_on_dashboard,
        {{ odoo_column(src, 'suspense_account_id', 'bigint') }}                as suspense_account_id,
        {{ odoo_column(src, 'type', 'text') }}                                 as type,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                    as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                          as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
