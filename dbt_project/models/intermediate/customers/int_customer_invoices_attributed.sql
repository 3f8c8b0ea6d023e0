{#-
    Posted customer invoices and credit notes up to the as-of date, attributed to the
    commercial partner, with revenue in company currency: Odoo's `amount_untaxed_signed`
    (untaxed, negative on credit notes), so a refunded invoice nets to zero.
-#}

with

moves as (

    select * from {{ ref('stg_odoo__account_moves') }}

),

partners as (

    select * from {{ ref('stg_odoo__res_partners') }}

),

report_dates as (

    select * from {{ ref('int_customer_dates_resolved') }}

),

customer_moves as (

    select
        moves.move_id,
        moves.name                                                    as invoice_name,
        moves.move_type,
        moves.company_id,
        coalesce(moves.commercial_partner_id, partners.commercial_partner_id, moves.partner_id)
                                                                      as commercial_partner_id,
        coalesce(moves.invoice_date, moves.accounting_date)           as invoice_date,
        coalesce(moves.amount_untaxed_signed, 0)                      as revenue,
        report_dates.as_of_date
    from moves
    left join partners
        on moves.partner_id = partners.partner_id
    cross join report_dates
    where moves.state = 'posted'
        and moves.move_type in ('out_invoice', 'out_refund')

),

final as (

    select
        move_id,
        invoice_name,
        move_type,
        company_id,
        commercial_partner_id,
        invoice_date,
        {{ month_start('invoice_date') }} as invoice_month_date,
        revenue
    from customer_moves
    where invoice_date <= as_of_date
        and commercial_partner_id is not null

)

select * from final
