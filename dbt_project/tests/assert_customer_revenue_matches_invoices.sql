{#-
    Reconciliation: the monthly revenue of the customer features, summed over all months,
    equals the posted customer invoices minus credit notes (untaxed, company currency) of
    each customer dated from its first order month to the as-of date.
-#}
with

features as (

    select
        company_id,
        partner_id,
        min(period_month_date) as first_month_date,
        sum(revenue)           as revenue
    from {{ ref('fct_customer_features_monthly') }}
    group by 1, 2

),

invoices as (

    select * from {{ ref('int_customer_invoices_attributed') }}

),

invoiced as (

    select
        features.company_id,
        features.partner_id,
        sum(invoices.revenue) as revenue
    from features
    inner join invoices
        on features.company_id = invoices.company_id
        and features.partner_id = invoices.commercial_partner_id
        and invoices.invoice_month_date >= features.first_month_date
    group by 1, 2

)

select
    features.company_id,
    features.partner_id,
    features.revenue as feature_revenue,
    invoiced.revenue as invoiced_revenue
from features
left join invoiced
    on features.company_id = invoiced.company_id
    and features.partner_id = invoiced.partner_id
where abs(features.revenue - coalesce(invoiced.revenue, 0)) >= 0.01
