{#- Odoo `sale.order.line`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('sale_order_line') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                                   as sale_order_line_id,
        {{ odoo_column(src, 'analytic_distribution', 'text') }}                  as analytic_distribution,
        {{ odoo_column(src, 'collapse_composition', 'boolean') }}                as is_collapse_composition,
        {{ odoo_column(src, 'collapse_prices', 'boolean') }}                     as is_collapse_prices,
        {{ odoo_column(src, 'combo_item_id', 'bigint') }}                        as combo_item_id,
        {{ odoo_column(src, 'company_id', 'bigint') }}                           as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                     as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                           as created_by_user_id,
        {{ odoo_column(src, 'currency_id', 'bigint') }}                          as currency_id,
        {{ odoo_column(src, 'customer_lead', 'double') }}                        as customer_lead,
        {{ odoo_column(src, 'discount', 'double') }}                             as discount,
        {{ odoo_column(src, 'display_type', 'text') }}                           as display_type,
        {{ odoo_column(src, 'extra_tax_data', 'text') }}                         as extra_tax_data,
        {{ odoo_column(src, 'invoice_lines', 'text') }}                          as invoice_lines,
        {{ odoo_column(src, 'invoice_status', 'text') }}                         as invoice_status,
        {{ odoo_column(src, 'is_downpayment', 'boolean') }}                      as is_downpayment,
        {{ odoo_column(src, 'is_expense', 'boolean') }}                          as is_expense,
        {{ odoo_column(src, 'is_optional', 'boolean') }}                         as is_optional,
        {{ odoo_column(src, 'is_service', 'boolean') }}                          as is_service,
        {{ odoo_column(src, 'linked_line_id', 'bigint') }}                       as linked_line_id,
        {{ odoo_column(src, 'linked_virtual_id', 'text') }}                      as linked_virtual_id,
        {{ odoo_column(src, 'name', 'text') }}                                   as name,
        {{ odoo_column(src, 'order_id', 'bigint') }}                             as order_id,
        {{ odoo_column(src, 'order_partner_id', 'bigint') }}                     as order_partner_id,
        {{ odoo_column(src, 'price_reduce_taxexcl', 'money') }}                  as price_reduce_taxexcl,
        {{ odoo_column(src, 'price_reduce_taxinc', 'money') }}                   as price_reduce_taxinc,
        {{ odoo_column(src, 'price_subtotal', 'money') }}                        as price_subtotal,
        {{ odoo_column(src, 'price_tax', 'double') }}                            as price_tax,
        {{ odoo_column(src, 'price_total', 'money') }}                           as price_total,
        {{ odoo_column(src, 'price_unit', 'double') }}                           as price_unit,
        {{ odoo_column(src, 'product_document_ids', 'text') }}                   as product_document_ids,
        {{ odoo_column(src, 'product_id', 'bigint') }}                           as product_id,
        {{ odoo_column(src, 'product_no_variant_attribute_value_ids', 'text') }} as product_no_variant_attribute_value_ids,
        {{ odoo_column(src, 'product_uom_id', 'bigint') }}                       as product_uom_id,
        {{ odoo_column(src, 'product_uom_qty', 'double') }}                      as product_uom_qty,
        {{ odoo_column(src, 'project_id', 'bigint') }}                           as project_id,
        {{ odoo_column(src, 'qty_delivered', 'double') }}                        as qty_delivered,
        {{ odoo_column(src, 'qty_delivered_method', 'text') }}                   as qty_delivered_method,
        {{ odoo_column(src, 'qty_invoiced', 'double') }}                         as qty_invoiced,
        {{ odoo_column(src, 'qty_to_invoice', 'double') }}                       as qty_to_invoice,
        {{ odoo_column(src, 'route_ids', 'text') }}                              as route_ids,
        {{ odoo_column(src, 'salesman_id', 'bigint') }}                          as salesman_id,
        {{ odoo_column(src, 'sequence', 'bigint') }}                             as sequence,
        {{ odoo_column(src, 'state', 'text') }}                                  as state,
        {{ odoo_column(src, 'task_id', 'bigint') }}                              as task_id,
        {{ odoo_column(src, 'tax_ids', 'text') }}                                as tax_ids,
        {{ odoo_column(src, 'technical_price_unit', 'double') }}                 as technical_price_unit,
        {{ odoo_column(src, 'untaxed_amount_invoiced', 'money') }}               as untaxed_amount_invoiced,
        {{ odoo_column(src, 'untaxed_amount_to_invoice', 'money') }}             as untaxed_amount_to_invoice,
        {{ odoo_column(src, 'virtual_id', 'text') }}                             as virtual_id,
        {{ odoo_column(src, 'warehouse_id', 'bigint') }}                         as warehouse_id,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                      as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                            as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
