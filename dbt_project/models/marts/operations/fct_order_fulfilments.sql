{#-
    Lead time from sale order confirmation to delivery, per confirmed order with goods.

    Confirmation is the order's `date_order` (Odoo stamps it with the confirmation time);
    delivery is the done time of the order's delivery moves to customers (found through the
    sale line, else the picking's sale order). An order is delivered when at least one of
    its deliveries is done and none is still open; its fulfilment is then measured to the
    last of them. Cancelled deliveries are ignored. Open orders show their age at the
    operations as-of date instead.
-#}

with

sale_orders as (

    select * from {{ ref('stg_odoo__sale_orders') }}

),

stock_moves as (

    select * from {{ ref('int_stock_moves_classified') }}

),

pickings as (

    select * from {{ ref('stg_odoo__stock_pickings') }}

),

report_dates as (

    select * from {{ ref('int_operations_dates_resolved') }}

),

delivery_moves as (

    select
        coalesce(stock_moves.sale_order_id, pickings.sale_id)       as sale_order_id,
        stock_moves.is_open,
        stock_moves.is_done,
        stock_moves.outbound_warehouse_id,
        case when stock_moves.is_done
            then coalesce(pickings.done_at, stock_moves.moved_at) end as delivered_at
    from stock_moves
    left join pickings
        on stock_moves.picking_id = pickings.picking_id
    where stock_moves.movement_type = 'delivery'
        and (stock_moves.is_open or stock_moves.is_done)

),

deliveries as (

    select
        sale_order_id,
        sum(case when is_done then 1 else 0 end)   as done_delivery_move_count,
        sum(case when is_open then 1 else 0 end)   as open_delivery_move_count,
        min(delivered_at)                          as first_delivered_at,
        max(delivered_at)                          as last_delivered_at,
        min(outbound_warehouse_id)                 as shipped_from_warehouse_id
    from delivery_moves
    where sale_order_id is not null
    group by 1

),

joined as (

    select
        sale_orders.sale_order_id,
        sale_orders.name,
        sale_orders.company_id,
        sale_orders.partner_id,
        coalesce(sale_orders.warehouse_id, deliveries.shipped_from_warehouse_id) as warehouse_id,
        sale_orders.ordered_at                                    as confirmed_at,
        sale_orders.commitment_at,
        deliveries.first_delivered_at,
        deliveries.done_delivery_move_count,
        deliveries.open_delivery_move_count,
        deliveries.done_delivery_move_count > 0
            and deliveries.open_delivery_move_count = 0           as is_fully_delivered,
        deliveries.last_delivered_at,
        report_dates.as_of_date
    from sale_orders
    inner join deliveries
        on sale_orders.sale_order_id = deliveries.sale_order_id
    cross join report_dates
    where sale_orders.state in ('sale', 'done')
        and sale_orders.ordered_at is not null

),

final as (

    select
        sale_order_id,
        name,
        company_id,
        partner_id,
        warehouse_id,
        confirmed_at,
        commitment_at,
        first_delivered_at,
        case when is_fully_delivered then last_delivered_at end                 as delivered_at,
        cast(done_delivery_move_count as integer)                               as done_delivery_move_count,
        cast(open_delivery_move_count as integer)                               as open_delivery_move_count,
        is_fully_delivered,
        case when is_fully_delivered
            then {{ days_between(date_in_utc('confirmed_at'), date_in_utc('last_delivered_at')) }}
        end                                                                     as fulfilment_days,
        case when is_fully_delivered
            then {{ round_to('(' ~ dbt.datediff('confirmed_at', 'last_delivered_at', 'minute') ~ ') / 60.0', 1) }}
        end                                                                     as fulfilment_hours,
        case when is_fully_delivered and commitment_at is not null
            then {{ date_in_utc('last_delivered_at') }} <= {{ date_in_utc('commitment_at') }}
        end                                                                     as is_delivered_by_commitment,
        case when not is_fully_delivered
            then {{ days_between(date_in_utc('confirmed_at'), 'as_of_date') }}
        end                                                                     as days_open
    from joined

)

select * from final
