{#-
    Customer invoices and vendor bills still open and past due at the report date, with
    how many days, the amount left, and how the partner has paid before (settled invoices
    of the same direction: count, average days late, share paid late).
-#}

with

open_items as (

    select * from {{ ref('int_open_items_aged') }}

),

invoices as (

    select * from {{ ref('int_invoices_joined_to_settlements') }}

),

moves as (

    select * from {{ ref('stg_odoo__account_moves') }}

),

open_invoices as (

    select
        move_id,
        aging_type,
        company_id,
        company_currency_id,
        currency_id,
        as_of_date,
        aging_interval_days,
        min(due_date)                                                          as oldest_open_due_date,
        max(days_overdue)                                                      as days_overdue,
        sum(case when aging_type = 'payable' then -residual else residual end) as residual,
        sum(case when aging_type = 'payable' then -residual_currency else residual_currency end)
                                                                               as residual_currency
    from open_items
    where move_type in ('out_invoice', 'in_invoice')
    group by 1, 2, 3, 4, 5, 6, 7

),

overdue as (

    select * from open_invoices
    where days_overdue > 0

),

partner_behaviour as (

    select
        company_id,
        commercial_partner_id,
        aging_type,
        count(*)                                              as settled_invoice_count,
        avg(days_late)                                        as avg_days_late,
        avg(case when days_late > 0 then 1.0 else 0.0 end)    as late_settled_share
    from invoices
    where is_settled
        and not is_reversed
    group by 1, 2, 3

),

final as (

    select
        overdue.move_id,
        moves.name                                            as invoice_name,
        moves.move_type,
        overdue.aging_type,
        overdue.company_id,
        moves.partner_id,
        coalesce(moves.commercial_partner_id, moves.partner_id) as commercial_partner_id,
        moves.invoice_user_id,
        moves.invoice_date,
        moves.invoice_due_date,
        overdue.oldest_open_due_date,
        overdue.as_of_date,
        overdue.days_overdue,
        {{ aging_bucket('overdue.days_overdue', 'overdue.aging_interval_days') }} as aging_bucket,
        overdue.company_currency_id,
        overdue.residual,
        overdue.currency_id,
        overdue.residual_currency,
        moves.amount_total_signed,
        moves.payment_state,
        coalesce(partner_behaviour.settled_invoice_count, 0)  as partner_settled_invoice_count,
        round(cast(partner_behaviour.avg_days_late as numeric), 1)
                                                              as partner_avg_days_late,
        round(cast(partner_behaviour.late_settled_share as numeric), 3)
                                                              as partner_late_settled_share
    from overdue
    inner join moves
        on overdue.move_id = moves.move_id
    left join partner_behaviour
        on overdue.company_id = partner_behaviour.company_id
        and coalesce(moves.commercial_partner_id, moves.partner_id) = partner_behaviour.commercial_partner_id
        and overdue.aging_type = partner_behaviour.aging_type

)

select * from final
