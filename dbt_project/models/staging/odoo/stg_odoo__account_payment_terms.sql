{#- Odoo `account.payment.term`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('account_payment_term') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                           as payment_term_id,
        {{ odoo_column(src, 'active', 'boolean') }}                      as is_active,
        {{ odoo_column(src, 'company_id', 'bigint') }}                   as company_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}             as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                   as created_by_user_id,
        {{ odoo_column(src, 'discount_days', 'bigint') }}                as discount_days,
        {{ odoo_column(src, 'discount_percentage', 'double') }}          as discount_percentage,
        {{ odoo_column(src, 'display_on_invoice', 'boolean') }}          as is_display_on_invoice,
        {{ odoo_column(src, 'early_discount', 'boolean') }}              as is_early_discount,
        {{ odoo_column(src, 'early_pay_discount_computation', 'text') }} as early_pay_discount_computation,
        {{ odoo_column(src, 'name', 'text') }}                           as name,
        {{ odoo_column(src, 'note', 'text') }}                           as note,
        {{ odoo_column(src, 'sequence', 'bigint') }}                     as sequence,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}              as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                    as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
