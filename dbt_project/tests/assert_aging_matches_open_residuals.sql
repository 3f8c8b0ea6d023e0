{#-
    Reconciliation: at the latest date (the default as-of) every partial reconciliation
    counts, so the aged receivable/payable per company and transaction currency must equal
    the sum of Odoo's own `amount_residual` on the open posted items, to the cent.
    Skipped when an earlier `aging_as_of` is set (Odoo's stored residual is "today's").
-#}
{{ config(severity='error') }}

{%- if var('aging_as_of', '') %}
select 1 as skipped where 1 = 0
{%- else %}

with

aging as (

    select company_id, currency_id, 'receivable' as aging_type, sum(residual_total) as aged_residual,
        sum(residual_currency_total) as aged_residual_currency
    from {{ ref('fct_receivable_aging') }}
    group by 1, 2
    union all
    select company_id, currency_id, 'payable' as aging_type, -sum(residual_total) as aged_residual,
        -sum(residual_currency_total) as aged_residual_currency
    from {{ ref('fct_payable_aging') }}
    group by 1, 2

),

source_items as (

    select
        company_id,
        currency_id,
        case account_type when 'asset_receivable' then 'receivable' else 'payable' end as aging_type,
        sum(amount_residual)          as source_residual,
        sum(amount_residual_currency) as source_residual_currency
    from {{ ref('int_move_lines_joined_to_accounts') }}
    where is_posted
        and account_type in ('asset_receivable', 'liability_payable')
    group by 1, 2, 3

),

compared as (

    select
        coalesce(aging.company_id, source_items.company_id)   as company_id,
        coalesce(aging.currency_id, source_items.currency_id) as currency_id,
        coalesce(aging.aging_type, source_items.aging_type)   as aging_type,
        coalesce(aging.aged_residual, 0)                      as aged_residual,
        coalesce(source_items.source_residual, 0)             as source_residual
    from aging
    full outer join source_items
        on aging.company_id = source_items.company_id
        and aging.currency_id = source_items.currency_id
        and aging.aging_type = source_items.aging_type

),

final as (

    select * from compared
    where abs(aged_residual - source_residual) >= 0.01

)

select * from final
{%- endif %}
