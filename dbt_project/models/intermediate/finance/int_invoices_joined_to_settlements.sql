{#-
    Posted customer invoices and vendor bills with when they were settled: the latest
    `max_date` of the partial reconciliations on their receivable/payable items, once
    nothing is left to pay. Days late = settlement date - due date (negative = early).
    A reversed invoice (Odoo's payment_state 'reversed': closed by its credit note) is
    settled but was never paid, so it has no days late and says nothing of how the partner pays.
-#}

with

move_lines as (

    select * from {{ ref('int_move_lines_joined_to_accounts') }}

),

partials as (

    select * from {{ ref('stg_odoo__account_partial_reconciles') }}

),

moves as (

    select * from {{ ref('stg_odoo__account_moves') }}

),

term_lines as (

    select
        move_line_id,
        move_id,
        amount_residual,
        due_date
    from move_lines
    where is_posted
        and move_type in ('out_invoice', 'in_invoice')
        and account_type in ('asset_receivable', 'liability_payable')

),

partial_sides as (

    select debit_move_id as move_line_id, max_date from partials
    union all
    select credit_move_id as move_line_id, max_date from partials

),

per_invoice as (

    select
        term_lines.move_id,
        sum(abs(term_lines.amount_residual)) as open_residual,
        max(term_lines.due_date)             as last_due_date,
        max(partial_sides.max_date)          as last_reconciled_date,
        count(partial_sides.max_date)        as partial_count
    from term_lines
    left join partial_sides
        on term_lines.move_line_id = partial_sides.move_line_id
    group by 1

),

settlements as (

    select
        moves.move_id,
        moves.name                                                   as invoice_name,
        case moves.move_type when 'out_invoice' then 'receivable' else 'payable' end
                                                                     as aging_type,
        moves.company_id,
        coalesce(moves.commercial_partner_id, moves.partner_id)      as commercial_partner_id,
        moves.invoice_date,
        coalesce(moves.invoice_due_date, per_invoice.last_due_date)  as due_date,
        moves.amount_total_signed,
        per_invoice.open_residual,
        per_invoice.partial_count > 0 and per_invoice.open_residual < 0.005
                                                                     as is_settled,
        coalesce(moves.payment_state = 'reversed', false)            as is_reversed,
        case when per_invoice.partial_count > 0 and per_invoice.open_residual < 0.005
            then per_invoice.last_reconciled_date
        end                                                          as settled_date
    from moves
    inner join per_invoice
        on moves.move_id = per_invoice.move_id

),

final as (

    select
        settlements.*,
        case when not is_reversed
            then {{ days_between('due_date', 'settled_date') }}
        end as days_late
    from settlements

)

select * from final
