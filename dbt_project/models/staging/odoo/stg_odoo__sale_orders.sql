{#- Odoo `sale.order`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('sale_order') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                               as sale_order_id,
        {{ odoo_column(src, 'amount_tax', 'money') }}                        as amount_tax,
        {{ odoo_column(src, 'amount_total', 'money') }}                      as amount_total,
        {{ odoo_column(src, 'amount_untaxed', 'money') }}                    as amount_untaxed,
        {{ odoo_column(src, 'campaign_id', 'bigint') }}                      as campaign_id,
        {{ odoo_column(src, 'client_order_ref', 'text') }}                   as client_order_ref,
        {{ odoo_column(src, 'commitment_date', 'timestamptz') }}             as commitment_at,
        {{ odoo_column(src, 'company_id', 'bigint') }}                       as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                 as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                       as created_by_user_id,
        {{ odoo_column(src, 'currency_id', 'bigint') }}                      as currency_id,
        {{ odoo_column(src, 'currency_rate', 'double') }}                    as currency_rate,
        {{ odoo_column(src, 'customizable_pdf_form_fields', 'text') }}       as customizable_pdf_form_fields,
        {{ odoo_column(src, 'date_order', 'timestamptz') }}                  as ordered_at,
        {{ odoo_column(src, 'delivery_status', 'text') }}                    as delivery_status,
        {{ odoo_column(src, 'effective_date', 'timestamptz') }}              as effective_at,
        {{ odoo_column(src, 'fiscal_position_id', 'bigint') }}               as fiscal_position_id,
        {{ odoo_column(src, 'incoterm', 'bigint') }}                         as incoterm,
        {{ odoo_column(src, 'incoterm_location', 'text') }}                  as incoterm_location,
        {{ odoo_column(src, 'invoice_status', 'text') }}                     as invoice_status,
        {{ odoo_column(src, 'journal_id', 'bigint') }}                       as journal_id,
        {{ odoo_column(src, 'locked', 'boolean') }}                          as is_locked,
        {{ odoo_column(src, 'medium_id', 'bigint') }}                        as medium_id,
        {{ odoo_column(src, 'name', 'text') }}                               as name,
        {{ odoo_column(src, 'note', 'text') }}                               as note,
        {{ odoo_column(src, 'opportunity_id', 'bigint') }}                   as opportunity_id,
        {{ odoo_column(src, 'origin', 'text') }}                             as origin,
        {{ odoo_column(src, 'partner_id', 'bigint') }}                       as partner_id,
        {{ odoo_column(src, 'partner_invoice_id', 'bigint') }}               as partner_invoice_id,
        {{ odoo_column(src, 'partner_shipping_id', 'bigint') }}              as partner_shipping_id,
        {{ odoo_column(src, 'payment_term_id', 'bigint') }}                  as payment_term_id,
        {{ odoo_column(src, 'pending_email_template_id', 'bigint') }}        as pending_email_template_id,
        {{ odoo_column(src, 'picking_policy', 'text') }}                     as picking_policy,
        {{ odoo_column(src, 'preferred_payment_method_line_id', 'bigint') }} as preferred_payment_method_line_id,
        {{ odoo_column(src, 'prepayment_percent', 'double') }}               as prepayment_percent,
        {{ odoo_column(src, 'pricelist_id', 'bigint') }}                     as pricelist_id,
        {{ odoo_column(src, 'project_id', 'bigint') }}                       as project_id,
        {{ odoo_column(src, 'quotation_document_ids', 'text') }}             as quotation_document_ids,
        {{ odoo_column(src, 'reference', 'text') }}                          as reference,
        {{ odoo_column(src, 'require_payment', 'boolean') }}                 as is_require_payment,
        {{ odoo_column(src, 'require_signature', 'boolean') }}               as is_require_signature,
        {{ odoo_column(src, 'sale_order_template_id', 'bigint') }}           as sale_order_template_id,
        {{ odoo_column(src, 'signed_by', 'text') }}                          as signed_by,
        {{ odoo_column(src, 'signed_on', 'timestamptz') }}                   as signed_at,
        {{ odoo_column(src, 'source_id', 'bigint') }}                        as source_id,
        {{ odoo_column(src, 'state', 'text') }}                              as state,
        {{ odoo_column(src, 'stock_reference_ids', 'text') }}                as stock_reference_ids,
        {{ odoo_column(src, 'tag_ids', 'text') }}                            as tag_ids,
        {{ odoo_column(src, 'team_id', 'bigint') }}                          as team_id,
        {{ odoo_column(src, 'transaction_ids', 'text') }}                    as transaction_ids,
        {{ odoo_column(src, 'user_id', 'bigint') }}                          as user_id,
        {{ odoo_column(src, 'validity_date', 'date') }}                      as validity_date,
        {{ odoo_column(src, 'warehouse_id', 'bigint') }}                     as warehouse_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                  as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                        as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
