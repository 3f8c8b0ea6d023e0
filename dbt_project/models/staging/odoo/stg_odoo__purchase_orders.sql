{#- Odoo `purchase.order`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('purchase_order') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                           as purchase_order_id,
        {{ odoo_column(src, 'acknowledged', 'boolean') }}                as is_acknowledged,
        {{ odoo_column(src, 'amount_tax', 'money') }}                    as amount_tax,
        {{ odoo_column(src, 'amount_total', 'money') }}                  as amount_total,
        {{ odoo_column(src, 'amount_total_cc', 'money') }}               as amount_total_cc,
        {{ odoo_column(src, 'amount_untaxed', 'money') }}                as amount_untaxed,
        {{ odoo_column(src, 'company_id', 'bigint') }}                   as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}             as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                   as created_by_user_id,
        {{ odoo_column(src, 'currency_id', 'bigint') }}                  as currency_id,
        {{ odoo_column(src, 'currency_rate', 'double') }}                as currency_rate,
        {{ odoo_column(src, 'date_approve', 'timestamptz') }}            as approved_at,
        {{ odoo_column(src, 'date_calendar_start', 'timestamptz') }}     as calendar_start_at,
        {{ odoo_column(src, 'date_order', 'timestamptz') }}              as ordered_at,
        {{ odoo_column(src, 'date_planned', 'timestamptz') }}            as planned_at,
        {{ odoo_column(src, 'dest_address_id', 'bigint') }}              as dest_address_id,
        {{ odoo_column(src, 'effective_date', 'timestamptz') }}          as effective_at,
        {{ odoo_column(src, 'fiscal_position_id', 'bigint') }}           as fiscal_position_id,
        {{ odoo_column(src, 'incoterm_id', 'bigint') }}                  as incoterm_id,
        {{ odoo_column(src, 'incoterm_location', 'text') }}              as incoterm_location,
        {{ odoo_column(src, 'invoice_count', 'bigint') }}                as invoice_count,
        {{ odoo_column(src, 'invoice_ids', 'text') }}                    as invoice_ids,
        {{ odoo_column(src, 'invoice_status', 'text') }}                 as invoice_status,
        {{ odoo_column(src, 'locked', 'boolean') }}                      as is_locked,
        {{ odoo_column(src, 'name', 'text') }}                           as name,
        {{ odoo_column(src, 'note', 'text') }}                           as note,
        {{ odoo_column(src, 'origin', 'text') }}                         as origin,
        {{ odoo_column(src, 'partner_id', 'bigint') }}                   as partner_id,
        {{ odoo_column(src, 'partner_ref', 'text') }}                    as partner_ref,
        {{ odoo_column(src, 'payment_term_id', 'bigint') }}              as payment_term_id,
        {{ odoo_column(src, 'picking_ids', 'text') }}                    as picking_ids,
        {{ odoo_column(src, 'picking_type_id', 'bigint') }}              as picking_type_id,
        {{ odoo_column(src, 'priority', 'text') }}                       as priority,
        {{ odoo_column(src, 'project_id', 'bigint') }}                   as project_id,
        {{ odoo_column(src, 'receipt_reminder_email', 'boolean') }}      as is_receipt_reminder_email,
        {{ odoo_column(src, 'receipt_status', 'text') }}                 as receipt_status,
        {{ odoo_column(src, 'reference_ids', 'text') }}                  as reference_ids,
        {{ odoo_column(src, 'reminder_date_before_receipt', 'bigint') }} as reminder_date_before_receipt,
        {{ odoo_column(src, 'state', 'text') }}                          as state,
        {{ odoo_column(src, 'user_id', 'bigint') }}                      as user_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}              as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                    as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
