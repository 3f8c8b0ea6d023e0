{#- Odoo `account.move.line`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('account_move_line') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                      as move_line_id,
        {{ odoo_column(src, 'account_id', 'bigint') }}              as account_id,
        {{ odoo_column(src, 'amount_currency', 'money') }}          as amount_currency,
        {{ odoo_column(src, 'amount_residual', 'money') }}          as amount_residual,
        {{ odoo_column(src, 'amount_residual_currency', 'money') }} as amount_residual_currency,
        {{ odoo_column(src, 'analytic_distribution', 'text') }}     as analytic_distribution,
        {{ odoo_column(src, 'balance', 'money') }}                  as balance,
        {{ odoo_column(src, 'cogs_origin_id', 'bigint') }}          as cogs_origin_id,
        {{ odoo_column(src, 'collapse_composition', 'boolean') }}   as is_collapse_composition,
        {{ odoo_column(src, 'collapse_prices', 'boolean') }}        as is_collapse_prices,
        {{ odoo_column(src, 'company_currency_id', 'bigint') }}     as company_currency_id,
        {{ odoo_column(src, 'company_id', 'bigint') }}              as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}        as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}              as created_by_user_id,
        {{ odoo_column(src, 'credit', 'money') }}                   as credit,
        {{ odoo_column(src, 'currency_id', 'bigint') }}             as currency_id,
        {{ odoo_column(src, 'date', 'date') }}                      as accounting_date,
        {{ odoo_column(src, 'date_maturity', 'date') }}             as maturity_date,
        {{ odoo_column(src, 'debit', 'money') }}                    as debit,
        {{ odoo_column(src, 'deductible_amount', 'double') }}       as deductible_amount,
        {{ odoo_column(src, 'discount', 'double') }}                as discount,
        {{ odoo_column(src, 'discount_amount_currency', 'money') }} as discount_amount_currency,
        {{ odoo_column(src, 'discount_balance', 'money') }}         as discount_balance,
        {{ odoo_column(src, 'discount_date', 'date') }}             as discount_date,
        {{ odoo_column(src, 'display_type', 'text') }}              as display_type,
        {{ odoo_column(src, 'expense_id', 'bigint') }}              as expense_id,
        {{ odoo_column(src, 'extra_tax_data', 'text') }}            as extra_tax_data,
        {{ odoo_column(src, 'full_reconcile_id', 'bigint') }}       as full_reconcile_id,
        {{ odoo_column(src, 'group_tax_id', 'bigint') }}            as group_tax_id,
        {{ odoo_column(src, 'invoice_date', 'date') }}              as invoice_date,
        {{ odoo_column(src, 'is_downpayment', 'boolean') }}         as is_downpayment,
        {{ odoo_column(src, 'is_imported', 'boolean') }}            as is_imported,
        {{ odoo_column(src, 'is_storno', 'boolean') }}              as is_storno,
        {{ odoo_column(src, 'journal_id', 'bigint') }}              as journal_id,
        {{ odoo_column(src, 'matching_number', 'text') }}           as matching_number,
        {{ odoo_column(src, 'move_id', 'bigint') }}                 as move_id,
        {{ odoo_column(src, 'move_name', 'text') }}                 as move_name,
        {{ odoo_column(src, 'name', 'text') }}                      as name,
        {{ odoo_column(src, 'no_followup', 'boolean') }}            as is_no_followup,
        {{ odoo_column(src, 'parent_state', 'text') }}              as parent_state,
        {{ odoo_column(src, 'partner_id', 'bigint') }}              as partner_id,
        {{ odoo_column(src, 'payment_id', 'bigint') }}              as payment_id,
        {{ odoo_column(src, 'price_subtotal', 'money') }}           as price_subtotal,
        {{ odoo_column(src, 'price_total', 'money') }}              as price_total,
        {{ odoo_column(src, 'price_unit', 'double') }}              as price_unit,
        {{ odoo_column(src, 'product_id', 'bigint') }}              as product_id,
        {{ odoo_column(src, 'product_uom_id', 'bigint') }}          as product_uom_id,
        {{ odoo_column(src, 'purchase_line_id', 'bigint') }}        as purchase_line_id,
        {{ odoo_column(src, 'quantity', 'double') }}                as quantity,
        {{ odoo_column(src, 'reconcile_model_id', 'bigint') }}      as reconcile_model_id,
        {{ odoo_column(src, 'reconciled', 'boolean') }}             as is_reconciled,
        {{ odoo_column(src, 'ref', 'text') }}                       as ref,
        {{ odoo_column(src, 'sale_line_ids', 'text') }}             as sale_line_ids,
        {{ odoo_column(src, 'sequence', 'bigint') }}                as sequence,
        {{ odoo_column(src, 'statement_id', 'bigint') }}            as statement_id,
        {{ odoo_column(src, 'statement_line_id', 'bigint') }}       as statement_line_id,
        {{ odoo_column(src, 'tax_base_amount', 'money') }}          as tax_base_amount,
        {{ odoo_column(src, 'tax_group_id', 'bigint') }}            as tax_group_id,
        {{ odoo_column(src, 'tax_ids', 'text') }}                   as tax_ids,
        {{ odoo_column(src, 'tax_line_id', 'bigint') }}             as tax_line_id,
        {{ odoo_column(src, 'tax_repartition_line_id', 'bigint') }} as tax_repartition_line_id,
        {{ odoo_column(src, 'tax_tag_ids', 'text') }}               as tax_tag_ids,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}         as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}               as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
