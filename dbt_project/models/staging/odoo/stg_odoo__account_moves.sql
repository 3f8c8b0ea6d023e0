{#- Odoo `account.move`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('account_move') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                               as move_id,
        {{ odoo_column(src, 'adjusting_entries_move_ids', 'text') }}         as adjusting_entries_move_ids,
        {{ odoo_column(src, 'adjusting_entry_origin_move_ids', 'text') }}    as adjusting_entry_origin_move_ids,
        {{ odoo_column(src, 'always_tax_exigible', 'boolean') }}             as is_always_tax_exigible,
        {{ odoo_column(src, 'amount_residual', 'money') }}                   as amount_residual,
        {{ odoo_column(src, 'amount_residual_signed', 'money') }}            as amount_residual_signed,
        {{ odoo_column(src, 'amount_tax', 'money') }}                        as amount_tax,
        {{ odoo_column(src, 'amount_tax_signed', 'money') }}                 as amount_tax_signed,
        {{ odoo_column(src, 'amount_total', 'money') }}                      as amount_total,
        {{ odoo_column(src, 'amount_total_in_currency_signed', 'money') }}   as amount_total_in_currency_signed,
        {{ odoo_column(src, 'amount_total_signed', 'money') }}               as amount_total_signed,
        {{ odoo_column(src, 'amount_untaxed', 'money') }}                    as amount_untaxed,
        {{ odoo_column(src, 'amount_untaxed_in_currency_signed', 'money') }} as amount_untaxed_in_currency_signed,
        {{ odoo_column(src, 'amount_untaxed_signed', 'money') }}             as amount_untaxed_signed,
        {{ odoo_column(src, 'auto_post', 'text') }}                          as auto_post,
        {{ odoo_column(src, 'auto_post_origin_id', 'bigint') }}              as auto_post_origin_id,
        {{ odoo_column(src, 'auto_post_until', 'date') }}                    as auto_post_until_date,
        {{ odoo_column(src, 'campaign_id', 'bigint') }}                      as campaign_id,
        {{ odoo_column(src, 'checked', 'boolean') }}                         as is_checked,
        {{ odoo_column(src, 'commercial_partner_id', 'bigint') }}            as commercial_partner_id,
        {{ odoo_column(src, 'company_id', 'bigint') }}                       as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                 as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                       as created_by_user_id,
        {{ odoo_column(src, 'currency_id', 'bigint') }}                      as currency_id,
        {{ odoo_column(src, 'date', 'date') }}                               as accounting_date,
        {{ odoo_column(src, 'delivery_date', 'date') }}                      as delivery_date,
        {{ odoo_column(src, 'fiscal_position_id', 'bigint') }}               as fiscal_position_id,
        {{ odoo_column(src, 'inalterable_hash', 'text') }}                   as inalterable_hash,
        {{ odoo_column(src, 'incoterm_location', 'text') }}                  as incoterm_location,
        {{ odoo_column(src, 'invoice_cash_rounding_id', 'bigint') }}         as invoice_cash_rounding_id,
        {{ odoo_column(src, 'invoice_currency_rate', 'double') }}            as invoice_currency_rate,
        {{ odoo_column(src, 'invoice_date', 'date') }}                       as invoice_date,
        {{ odoo_column(src, 'invoice_date_due', 'date') }}                   as invoice_due_date,
        {{ odoo_column(src, 'invoice_incoterm_id', 'bigint') }}              as invoice_incoterm_id,
        {{ odoo_column(src, 'invoice_origin', 'text') }}                     as invoice_origin,
        {{ odoo_column(src, 'invoice_partner_display_name', 'text') }}       as invoice_partner_display_name,
        {{ odoo_column(src, 'invoice_payment_term_id', 'bigint') }}          as invoice_payment_term_id,
        {{ odoo_column(src, 'invoice_source_email', 'text') }}               as invoice_source_email,
        {{ odoo_column(src, 'invoice_user_id', 'bigint') }}                  as invoice_user_id,
        {{ odoo_column(src, 'is_manually_modified', 'boolean') }}            as is_manually_modified,
        {{ odoo_column(src, 'is_move_sent', 'boolean') }}                    as is_move_sent,
        {{ odoo_column(src, 'journal_id', 'bigint') }}                       as journal_id,
        {{ odoo_column(src, 'made_sequence_gap', 'boolean') }}               as is_made_sequence_gap,
        {{ odoo_column(src, 'matched_payment_ids', 'text') }}                as matched_payment_ids,
        {{ odoo_column(src, 'medium_id', 'bigint') }}                        as medium_id,
        {{ odoo_column(src, 'move_type', 'text') }}                          as move_type,
        {{ odoo_column(src, 'name', 'text') }}                               as name,
        {{ odoo_column(src, 'narration', 'text') }}                          as narration,
        {{ odoo_column(src, 'origin_payment_id', 'bigint') }}                as origin_payment_id,
        {{ odoo_column(src, 'partner_bank_id', 'bigint') }}                  as partner_bank_id,
        {{ odoo_column(src, 'partner_id', 'bigint') }}                       as partner_id,
        {{ odoo_column(src, 'partner_shipping_id', 'bigint') }}              as partner_shipping_id,
        {{ odoo_column(src, 'payment_reference', 'text') }}                  as payment_reference,
        {{ odoo_column(src, 'payment_state', 'text') }}                      as payment_state,
        {{ odoo_column(src, 'posted_before', 'boolean') }}                   as is_posted_before,
        {{ odoo_column(src, 'preferred_payment_method_line_id', 'bigint') }} as preferred_payment_method_line_id,
        {{ odoo_column(src, 'qr_code_method', 'text') }}                     as qr_code_method,
        {{ odoo_column(src, 'quick_edit_total_amount', 'money') }}           as quick_edit_total_amount,
        {{ odoo_column(src, 'ref', 'text') }}                                as ref,
        {{ odoo_column(src, 'reversed_entry_id', 'bigint') }}                as reversed_entry_id,
        {{ odoo_column(src, 'secure_sequence_number', 'bigint') }}           as secure_sequence_number,
        {{ odoo_column(src, 'sending_data', 'text') }}                       as sending_data,
        {{ odoo_column(src, 'sequence_number', 'bigint') }}                  as sequence_number,
        {{ odoo_column(src, 'sequence_prefix', 'text') }}                    as sequence_prefix,
        {{ odoo_column(src, 'source_id', 'bigint') }}                        as source_id,
        {{ odoo_column(src, 'state', 'text') }}                              as state,
        {{ odoo_column(src, 'statement_line_id', 'bigint') }}                as statement_line_id,
        {{ odoo_column(src, 'tax_cash_basis_origin_move_id', 'bigint') }}    as tax_cash_basis_origin_move_id,
        {{ odoo_column(src, 'tax_cash_basis_rec_id', 'bigint') }}            as tax_cash_basis_rec_id,
        {{ odoo_column(src, 'taxable_supply_date', 'date') }}                as taxable_supply_date,
        {{ odoo_column(src, 'team_id', 'bigint') }}                          as team_id,
        {{ odoo_column(src, 'transaction_ids', 'text') }}                    as transaction_ids,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                  as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                        as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
