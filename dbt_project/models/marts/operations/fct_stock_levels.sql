{#-
    Stock per product and warehouse as last extracted, the way Odoo's product forecast
    shows it for a warehouse: on hand and reserved from quants in the warehouse's internal
    locations; incoming and outgoing from open moves entering or leaving those locations
    (purchase receipts, customer returns, transfers from other warehouses; deliveries,
    vendor returns); forecast = on hand + incoming - outgoing. Quants and moves in internal
    locations outside every warehouse are left out.
-#}

with

quants as (

    select * from {{ ref('stg_odoo__stock_quants') }}

),

locations as (

    select * from {{ ref('int_locations_mapped_to_warehouses') }}

),

stock_moves as (

    select * from {{ ref('int_stock_moves_classified') }}

),

warehouses as (

    select * from {{ ref('stg_odoo__stock_warehouses') }}

),

on_hand as (

    select
        quants.product_id,
        locations.warehouse_id,
        sum(coalesce(quants.quantity, 0))           as on_hand_qty,
        sum(coalesce(quants.reserved_quantity, 0))  as reserved_qty
    from quants
    inner join locations
        on quants.location_id = locations.location_id
    where locations.is_internal
        and locations.warehouse_id is not null
        and quants.product_id is not null
    group by 1, 2

),

incoming as (

    select
        product_id,
        inbound_warehouse_id   as warehouse_id,
        sum(product_qty)       as incoming_qty
    from stock_moves
    where is_open
        and inbound_warehouse_id is not null
        and product_id is not null
    group by 1, 2

),

outgoing as (

    select
        product_id,
        outbound_warehouse_id  as warehouse_id,
        sum(product_qty)       as outgoing_qty
    from stock_moves
    where is_open
        and outbound_warehouse_id is not null
        and product_id is not null
    group by 1, 2

),

product_warehouses as (

    select product_id, warehouse_id from on_hand
    union
    select product_id, warehouse_id from incoming
    union
    select product_id, warehouse_id from outgoing

),

final as (

    select
        product_warehouses.product_id,
        product_warehouses.warehouse_id,
        warehouses.company_id,
        cast(coalesce(on_hand.on_hand_qty, 0) as double precision)     as on_hand_qty,
        cast(coalesce(on_hand.reserved_qty, 0) as double precision)    as reserved_qty,
        cast(coalesce(on_hand.on_hand_qty, 0) - coalesce(on_hand.reserved_qty, 0)
            as double precision)                                        as available_qty,
        cast(coalesce(incoming.incoming_qty, 0) as double precision)   as incoming_qty,
        cast(coalesce(outgoing.outgoing_qty, 0) as double precision)   as outgoing_qty,
        cast(coalesce(on_hand.on_hand_qty, 0) + coalesce(incoming.incoming_qty, 0)
            - coalesce(outgoing.outgoing_qty, 0) as double precision)   as forecast_qty
    from product_warehouses
    left join warehouses
        on product_warehouses.warehouse_id = warehouses.warehouse_id
    left join on_hand
        on product_warehouses.product_id = on_hand.product_id
        and product_warehouses.warehouse_id = on_hand.warehouse_id
    left join incoming
        on product_warehouses.product_id = incoming.product_id
        and product_warehouses.warehouse_id = incoming.warehouse_id
    left join outgoing
        on product_warehouses.product_id = outgoing.product_id
        and product_warehouses.warehouse_id = outgoing.warehouse_id

)

select * from final
