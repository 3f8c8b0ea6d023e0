{#-
    Daily stock movements per product and warehouse: the quantity done moves brought into
    the warehouse's stock (receipts, returns, adjustments, transfers in) and took out of it
    (deliveries, scrap, transfers out) on each UTC day. Moves inside one warehouse are left
    out (they do not change its stock). With today's on hand, it gives on hand on any past
    day: what the stock-out backtest grades against. Only days with a movement have a row.
-#}

with

stock_moves as (

    select * from {{ ref('int_stock_moves_classified') }}

),

warehouses as (

    select * from {{ ref('stg_odoo__stock_warehouses') }}

),

done as (

    select * from stock_moves
    where is_done
        and product_id is not null
        and moved_date is not null
        and coalesce(inbound_warehouse_id, -1) <> coalesce(outbound_warehouse_id, -1)

),

legs as (

    select product_id, inbound_warehouse_id as warehouse_id, moved_date,
           product_qty as qty_in, 0 as qty_out
    from done
    where inbound_warehouse_id is not null

    union all

    select product_id, outbound_warehouse_id as warehouse_id, moved_date,
           0 as qty_in, product_qty as qty_out
    from done
    where outbound_warehouse_id is not null

),

final as (

    select
        legs.product_id,
        legs.warehouse_id,
        warehouses.company_id,
        legs.moved_date,
        cast(sum(legs.qty_in) as double precision)  as qty_in,
        cast(sum(legs.qty_out) as double precision) as qty_out
    from legs
    left join warehouses
        on legs.warehouse_id = warehouses.warehouse_id
    group by 1, 2, 3, 4

)

select * from final
