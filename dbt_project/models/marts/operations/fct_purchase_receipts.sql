{#-
    Each done purchase receipt against the order it fills: when the order was placed, when
    the vendor promised it (the order's `date_planned`, the earliest of its lines), and when
    the receipt was validated (`date_done`). Days are UTC calendar days, so a receipt done
    on the promised day is on time whatever the hour. A backorder is a receipt of its own.
-#}

with

stock_moves as (

    select * from {{ ref('int_stock_moves_classified') }}

),

pickings as (

    select * from {{ ref('stg_odoo__stock_pickings') }}

),

purchase_orders as (

    select * from {{ ref('stg_odoo__purchase_orders') }}

),

purchase_order_lines as (

    select * from {{ ref('stg_odoo__purchase_order_lines') }}

),

receipt_moves as (

    select
        coalesce(stock_moves.picking_id, -stock_moves.stock_move_id)  as receipt_key,
        stock_moves.picking_id,
        stock_moves.purchase_order_id,
        stock_moves.moved_at,
        stock_moves.product_qty
    from stock_moves
    where stock_moves.movement_type = 'receipt'
        and stock_moves.is_done
        and stock_moves.purchase_order_id is not null

),

receipts as (

    select
        receipt_moves.receipt_key,
        receipt_moves.purchase_order_id,
        max(receipt_moves.picking_id)    as picking_id,
        max(receipt_moves.moved_at)      as last_move_at,
        sum(receipt_moves.product_qty)   as received_qty,
        count(*)                         as move_count
    from receipt_moves
    group by 1, 2

),

line_dates as (

    select
        order_id,
        min(planned_at) as planned_at
    from purchase_order_lines
    where display_type is null
    group by 1

),

joined as (

    select
        receipts.receipt_key,
        receipts.picking_id,
        receipts.purchase_order_id,
        purchase_orders.company_id,
        purchase_orders.partner_id,
        purchase_orders.name                                                as purchase_order_name,
        pickings.name                                                       as picking_name,
        purchase_orders.ordered_at,
        coalesce(purchase_orders.planned_at, line_dates.planned_at)         as planned_at,
        coalesce(pickings.done_at, receipts.last_move_at)                   as received_at,
        receipts.received_qty,
        receipts.move_count
    from receipts
    inner join purchase_orders
        on receipts.purchase_order_id = purchase_orders.purchase_order_id
    left join pickings
        on receipts.picking_id = pickings.picking_id
    left join line_dates
        on receipts.purchase_order_id = line_dates.order_id

),

final as (

    select
        {{ surrogate_key(['receipt_key', 'purchase_order_id']) }}           as purchase_receipt_id,
        picking_id,
        purchase_order_id,
        company_id,
        partner_id,
        purchase_order_name,
        picking_name,
        ordered_at,
        planned_at,
        received_at,
        {{ date_in_utc('ordered_at') }}                                     as ordered_date,
        {{ date_in_utc('planned_at') }}                                     as planned_date,
        {{ date_in_utc('received_at') }}                                    as received_date,
        cast(received_qty as double precision)                              as received_qty,
        cast(move_count as integer)                                         as move_count,
        {{ days_between(date_in_utc('ordered_at'), date_in_utc('planned_at')) }}
                                                                            as promised_lead_days,
        {{ days_between(date_in_utc('ordered_at'), date_in_utc('received_at')) }}
                                                                            as actual_lead_days,
        {{ days_between(date_in_utc('planned_at'), date_in_utc('received_at')) }}
                                                                            as days_late,
        {{ date_in_utc('received_at') }} <= {{ date_in_utc('planned_at') }}  as is_on_time
    from joined

)

select * from final
