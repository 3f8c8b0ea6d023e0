{#- Odoo `res.partner`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('res_partner') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                                       as partner_id,
        {{ odoo_column(src, 'active', 'boolean') }}                                  as is_active,
        {{ odoo_column(src, 'autopost_bills', 'text') }}                             as autopost_bills,
        {{ odoo_column(src, 'barcode', 'text') }}                                    as barcode,
        {{ odoo_column(src, 'buyer_id', 'bigint') }}                                 as buyer_id,
        {{ odoo_column(src, 'calendar_last_notif_ack', 'timestamptz') }}             as calendar_last_notif_ack_at,
        {{ odoo_column(src, 'category_id', 'text') }}                                as category_id,
        {{ odoo_column(src, 'channel_ids', 'text') }}                                as channel_ids,
        {{ odoo_column(src, 'city', 'text') }}                                       as city,
        {{ odoo_column(src, 'color', 'bigint') }}                                    as color,
        {{ odoo_column(src, 'comment', 'text') }}                                    as comment,
        {{ odoo_column(src, 'commercial_company_name', 'text') }}                    as commercial_company_name,
        {{ odoo_column(src, 'commercial_partner_id', 'bigint') }}                    as commercial_partner_id,
        {{ odoo_column(src, 'company_id', 'bigint') }}                               as company_id,
        {{ odoo_column(src, 'company_name', 'text') }}                               as company_name,
        {{ odoo_column(src, 'company_registry', 'text') }}                           as company_registry,
        {{ odoo_column(src, 'complete_name', 'text') }}                              as complete_name,
        {{ odoo_column(src, 'country_id', 'bigint') }}                               as country_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                         as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                               as created_by_user_id,
        {{ odoo_column(src, 'credit_limit', 'double') }}                             as credit_limit,
        {{ odoo_column(src, 'customer_rank', 'bigint') }}                            as customer_rank,
        {{ odoo_column(src, 'email', 'text') }}                                      as email,
        {{ odoo_column(src, 'email_normalized', 'text') }}                           as email_normalized,
        {{ odoo_column(src, 'employee', 'boolean') }}                                as is_employee,
        {{ odoo_column(src, 'function', 'text') }}                                   as function,
        {{ odoo_column(src, 'global_location_number', 'text') }}                     as global_location_number,
        {{ odoo_column(src, 'group_on', 'text') }}                                   as group_on,
        {{ odoo_column(src, 'group_rfq', 'text') }}                                  as group_rfq,
        {{ odoo_column(src, 'ignore_abnormal_invoice_amount', 'boolean') }}          as is_ignore_abnormal_invoice_amount,
        {{ odoo_column(src, 'ignore_abnormal_invoice_date', 'boolean') }}            as is_ignore_abnormal_invoice_date,
        {{ odoo_column(src, 'industry_id', 'bigint') }}                              as industry_id,
        {{ odoo_column(src, 'invoice_edi_format_store', 'text') }}                   as invoice_edi_format_store,
        {{ odoo_column(src, 'invoice_sending_method', 'text') }}                     as invoice_sending_method,
        {{ odoo_column(src, 'invoice_template_pdf_report_id', 'bigint') }}           as invoice_template_pdf_report_id,
        {{ odoo_column(src, 'is_company', 'boolean') }}                              as is_company,
        {{ odoo_column(src, 'lang', 'text') }}                                       as lang,
        {{ odoo_column(src, 'meeting_ids', 'text') }}                                as meeting_ids,
        {{ odoo_column(src, 'name', 'text') }}                                       as name,
        {{ odoo_column(src, 'parent_id', 'bigint') }}                                as parent_id,
        {{ odoo_column(src, 'partner_latitude', 'double') }}                         as partner_latitude,
        {{ odoo_column(src, 'partner_longitude', 'double') }}                        as partner_longitude,
        {{ odoo_column(src, 'partner_share', 'boolean') }}                           as is_partner_share,
        {{ odoo_column(src, 'peppol_eas', 'text') }}                                 as peppol_eas,
        {{ odoo_column(src, 'peppol_endpoint', 'text') }}                            as peppol_endpoint,
        {{ odoo_column(src, 'phone', 'text') }}                                      as phone,
        {{ odoo_column(src, 'phone_sanitized', 'text') }}                            as phone_sanitized,
        {{ odoo_column(src, 'picking_warn_msg', 'text') }}                           as picking_warn_msg,
        {{ odoo_column(src, 'property_account_payable_id', 'bigint') }}              as property_account_payable_id,
        {{ odoo_column(src, 'property_account_position_id', 'bigint') }}             as property_account_position_id,
        {{ odoo_column(src, 'property_account_receivable_id', 'bigint') }}           as property_account_receivable_id,
        {{ odoo_column(src, 'property_inbound_payment_method_line_id', 'bigint') }}  as property_inbound_payment_method_line_id,
        {{ odoo_column(src, 'property_outbound_payment_method_line_id', 'bigint') }} as property_outbound_payment_method_line_id,
        {{ odoo_column(src, 'property_payment_term_id', 'bigint') }}                 as property_payment_term_id,
        {{ odoo_column(src, 'property_purchase_currency_id', 'bigint') }}            as property_purchase_currency_id,
        {{ odoo_column(src, 'property_stock_customer', 'bigint') }}                  as property_stock_customer,
        {{ odoo_column(src, 'property_stock_supplier', 'bigint') }}                  as property_stock_supplier,
        {{ odoo_column(src, 'property_supplier_payment_term_id', 'bigint') }}        as property_supplier_payment_term_id,
        {{ odoo_column(src, 'purchase_warn_msg', 'text') }}                          as purchase_warn_msg,
        {{ odoo_column(src, 'receipt_reminder_email', 'boolean') }}                  as is_receipt_reminder_email,
        {{ odoo_column(src, 'ref', 'text') }}                                        as ref,
        {{ odoo_column(src, 'reminder_date_before_receipt', 'bigint') }}             as reminder_date_before_receipt,
        {{ odoo_column(src, 'sale_warn_msg', 'text') }}                              as sale_warn_msg,
        {{ odoo_column(src, 'signup_type', 'text') }}                                as signup_type,
        {{ odoo_column(src, 'specific_property_product_pricelist', 'bigint') }}      as specific_property_product_pricelist,
        {{ odoo_column(src, 'state_id', 'bigint') }}                                 as state_id,
        {{ odoo_column(src, 'street', 'text') }}                                     as street,
        {{ odoo_column(src, 'street2', 'text') }}                                    as street2,
        {{ odoo_column(src, 'suggest_based_on', 'text') }}                           as suggest_based_on,
        {{ odoo_column(src, 'suggest_days', 'bigint') }}                             as suggest_days,
        {{ odoo_column(src, 'suggest_percent', 'bigint') }}                          as suggest_percent,
        {{ odoo_column(src, 'supplier_rank', 'bigint') }}                            as supplier_rank,
        {{ odoo_column(src, 'trust', 'text') }}                                      as trust,
        {{ odoo_column(src, 'type', 'text') }}                                       as type,
        {{ odoo_column(src, 'tz', 'text') }}                                         as tz,
        {{ odoo_column(src, 'user_id', 'bigint') }}                                  as user_id,
        {{ odoo_column(src, 'vat', 'text') }}                                        as vat,
        {{ odoo_column(src, 'website', 'text') }}                                    as website,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                          as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                                as updated_by_user_id,
        {{ odoo_column(src, 'zip', 'text') }}                                        as zip,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
