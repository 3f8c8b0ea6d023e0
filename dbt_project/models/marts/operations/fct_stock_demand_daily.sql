{#-
    Daily demand per product and warehouse: what done moves took from the warehouse's
    internal stock to customer locations on each UTC day. Customer returns are shown
    beside it, not netted: a return restocks (it is already in on hand) and does not mean
    customers asked for less. Only days with a delivery or a return have a row.
-#}

with

stock_moves as (

    select * from {{ ref('int_stock_moves_classified') }}

),

warehouses as (

    select * from {{ ref('stg_odoo__stock_warehouses') }}

),

customer_moves as (

    select
        product_id,
        case when movement_type = 'delivery' then outbound_warehouse_id
            else inbound_warehouse_id end                       as warehouse_id,
        moved_date                                              as demand_date,
        case when movement_type = 'delivery' then product_qty else 0 end
                                                                as delivered_qty,
        case when movement_type = 'customer_return' then product_qty else 0 end
                                                                as returned_qty,
        case when movement_type = 'delivery' then 1 else 0 end  as is_delivery,
        sale_order_id
    from stock_moves
    where is_done
        and movement_type in ('delivery', 'customer_return')
        and product_id is not null
        and moved_date is not null

),

daily as (

    select
        product_id,
        warehouse_id,
        demand_date,
        sum(delivered_qty)                                      as delivered_qty,
        sum(returned_qty)                                       as returned_qty,
        sum(is_delivery)                                        as delivery_move_count,
        count(distinct case when is_delivery = 1 then sale_order_id end)
                                                                as sale_order_count
    from customer_moves
    where warehouse_id is not null
    group by 1, 2, 3

),

final as (

    select
        daily.product_id,
        daily.warehouse_id,
        warehouses.company_id,
        daily.demand_date,
        cast(daily.delivered_qty as double precision)  as delivered_qty,
        cast(daily.returned_qty as double precision)   as returned_qty,
        cast(daily.delivery_move_count as integer)     as delivery_move_count,
        cast(daily.sale_order_count as integer)        as sale_order_count
    from daily
    left join warehouses
        on daily.warehouse_id = warehouses.warehouse_id

)

select * from final
