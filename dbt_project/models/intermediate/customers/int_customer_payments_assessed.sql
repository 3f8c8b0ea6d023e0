{{ config(materialized='table') }}  {#- tested and read by the feature mart: computed once, not per query -#}
{#-
    Customer x month: how the customer pays, measured at the period end.

    * Paid invoices: customer invoices fully settled on or before the period end
      (`int_invoices_joined_to_settlements`, the finance definition), average days late
      (settlement - due date; negative = early) over the whole history up to then.
    * Open overdue amount: receivable items of posted customer invoices past due at the
      period end, with their residual as of that date (balance minus the partial
      reconciliations dated on or before it, as in the aging).
-#}

with

customer_months as (

    select * from {{ ref('int_customer_months_spined') }}

),

settlements as (

    select * from {{ ref('int_invoices_joined_to_settlements') }}

),

move_lines as (

    select * from {{ ref('int_move_lines_joined_to_accounts') }}

),

partials as (

    select * from {{ ref('stg_odoo__account_partial_reconciles') }}

),

receivable_items as (

    select
        move_line_id,
        move_id,
        company_id,
        coalesce(commercial_partner_id, partner_id) as commercial_partner_id,
        accounting_date,
        due_date,
        balance
    from move_lines
    where is_posted
        and move_type = 'out_invoice'
        and account_type = 'asset_receivable'

),

item_events as (

    select
        move_line_id, move_id, company_id, commercial_partner_id, due_date,
        accounting_date as event_date,
        balance         as amount
    from receivable_items

    union all

    select
        receivable_items.move_line_id, receivable_items.move_id, receivable_items.company_id,
        receivable_items.commercial_partner_id, receivable_items.due_date,
        partials.max_date            as event_date,
        -coalesce(partials.amount, 0) as amount
    from receivable_items
    inner join partials
        on receivable_items.move_line_id = partials.debit_move_id

    union all

    select
        receivable_items.move_line_id, receivable_items.move_id, receivable_items.company_id,
        receivable_items.commercial_partner_id, receivable_items.due_date,
        partials.max_date            as event_date,
        coalesce(partials.amount, 0) as amount
    from receivable_items
    inner join partials
        on receivable_items.move_line_id = partials.credit_move_id

),

overdue_items as (

    select
        customer_months.company_id,
        customer_months.commercial_partner_id,
        customer_months.period_month_date,
        item_events.move_line_id,
        item_events.move_id,
        sum(item_events.amount) as residual
    from customer_months
    inner join item_events
        on customer_months.company_id = item_events.company_id
        and customer_months.commercial_partner_id = item_events.commercial_partner_id
        and item_events.event_date <= customer_months.period_end_date
        and item_events.due_date < customer_months.period_end_date
    group by 1, 2, 3, 4, 5
    having sum(item_events.amount) >= 0.005

),

overdue as (

    select
        company_id,
        commercial_partner_id,
        period_month_date,
        sum(residual)           as open_overdue_amount,
        count(distinct move_id) as open_overdue_invoice_count
    from overdue_items
    group by 1, 2, 3

),

paid as (

    select
        customer_months.company_id,
        customer_months.commercial_partner_id,
        customer_months.period_month_date,
        count(*)                                                       as paid_invoice_count,
        avg(1.0 * settlements.days_late)                               as avg_days_late,
        avg(case when settlements.days_late > 0 then 1.0 else 0.0 end) as late_paid_share
    from customer_months
    inner join settlements
        on customer_months.company_id = settlements.company_id
        and customer_months.commercial_partner_id = settlements.commercial_partner_id
        and settlements.settled_date <= customer_months.period_end_date
    where settlements.aging_type = 'receivable'
        and not settlements.is_reversed
        and settlements.is_settled
    group by 1, 2, 3

),

final as (

    select
        customer_months.company_id,
        customer_months.commercial_partner_id,
        customer_months.period_month_date,
        coalesce(paid.paid_invoice_count, 0)                         as paid_invoice_count,
        paid.avg_days_late,
        paid.late_paid_share,
        cast(coalesce(overdue.open_overdue_amount, 0) as {{ odoo_type('money') }})
                                                                     as open_overdue_amount,
        coalesce(overdue.open_overdue_invoice_count, 0)              as open_overdue_invoice_count
    from customer_months
    left join paid
        on customer_months.company_id = paid.company_id
        and customer_months.commercial_partner_id = paid.commercial_partner_id
        and customer_months.period_month_date = paid.period_month_date
    left join overdue
        on customer_months.company_id = overdue.company_id
        and customer_months.commercial_partner_id = overdue.commercial_partner_id
        and customer_months.period_month_date = overdue.period_month_date

)

select * from final
