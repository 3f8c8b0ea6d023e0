{#-
    A posted invoice's signed total (company currency) equals the balance of its payment
    term lines: the receivable/payable items it creates, which aging and DSO/DPO read.
-#}

with

moves as (

    select * from {{ ref('stg_odoo__account_moves') }}

),

move_lines as (

    select * from {{ ref('stg_odoo__account_move_lines') }}

),

line_totals as (

    select
        move_id,
        sum(case when display_type = 'payment_term' then balance else 0 end) as payment_term_balance
    from move_lines
    group by 1

),

final as (

    select
        moves.move_id,
        moves.name,
        moves.amount_total_signed,
        line_totals.payment_term_balance
    from moves
    inner join line_totals
        on moves.move_id = line_totals.move_id
    where moves.state = 'posted'
        and moves.move_type in ('out_invoice', 'out_refund', 'in_invoice', 'in_refund')
        and abs(moves.amount_total_signed - line_totals.payment_term_balance) >= 0.01

)

select * from final
