{#-
    Every active reorder rule (`stock.warehouse.orderpoint`) against the warehouse's forecast.

    Odoo proposes to reorder when the forecast (on hand + incoming - outgoing) falls below
    the rule's minimum, and orders up to the maximum. The forecast is taken for the rule's
    whole warehouse (`fct_stock_levels`) rather than only its location's subtree: with
    multi-step receptions and deliveries the goods pass through input/output locations of
    the same warehouse, and Odoo's chained moves count them there too. Odoo also limits the
    forecast to the moves due within the rule's lead days; all open moves count here.
-#}

with

orderpoints as (

    select * from {{ ref('stg_odoo__stock_warehouse_orderpoints') }}

),

locations as (

    select * from {{ ref('int_locations_mapped_to_warehouses') }}

),

stock_levels as (

    select * from {{ ref('fct_stock_levels') }}

),

stock_cover as (

    select * from {{ ref('fct_stock_cover') }}

),

report_dates as (

    select * from {{ ref('int_operations_dates_resolved') }}

),

active_orderpoints as (

    select
        orderpoints.orderpoint_id,
        orderpoints.name,
        orderpoints.product_id,
        coalesce(orderpoints.warehouse_id, locations.warehouse_id)  as warehouse_id,
        orderpoints.location_id,
        orderpoints.company_id,
        orderpoints.trigger,
        orderpoints.snoozed_until_date,
        coalesce(orderpoints.product_min_qty, 0)                    as product_min_qty,
        coalesce(orderpoints.product_max_qty, 0)                    as product_max_qty
    from orderpoints
    left join locations
        on orderpoints.location_id = locations.location_id
    where coalesce(orderpoints.is_active, true)
        and orderpoints.product_id is not null

),

final as (

    select
        active_orderpoints.orderpoint_id,
        active_orderpoints.name,
        active_orderpoints.product_id,
        active_orderpoints.warehouse_id,
        active_orderpoints.location_id,
        active_orderpoints.company_id,
        active_orderpoints.trigger,
        report_dates.as_of_date,
        cast(active_orderpoints.product_min_qty as double precision)      as product_min_qty,
        cast(active_orderpoints.product_max_qty as double precision)      as product_max_qty,
        cast(coalesce(stock_levels.on_hand_qty, 0) as double precision)  as on_hand_qty,
        cast(coalesce(stock_levels.incoming_qty, 0) as double precision) as incoming_qty,
        cast(coalesce(stock_levels.outgoing_qty, 0) as double precision) as outgoing_qty,
        cast(coalesce(stock_levels.forecast_qty, 0) as double precision) as forecast_qty,
        coalesce(stock_levels.forecast_qty, 0) < active_orderpoints.product_min_qty
                                                                          as is_below_reorder_point,
        cast(case
            when coalesce(stock_levels.forecast_qty, 0) < active_orderpoints.product_min_qty
                then greatest(active_orderpoints.product_max_qty, active_orderpoints.product_min_qty)
                    - coalesce(stock_levels.forecast_qty, 0)
            else 0
        end as double precision)                                          as qty_to_order,
        coalesce(active_orderpoints.snoozed_until_date > report_dates.as_of_date, false)
                                                                          as is_snoozed,
        stock_cover.days_of_cover,
        stock_cover.estimated_stockout_date,
        stock_cover.lead_time_days,
        coalesce(stock_cover.is_stockout_within_lead_time, false)        as is_stockout_within_lead_time
    from active_orderpoints
    cross join report_dates
    left join stock_levels
        on active_orderpoints.product_id = stock_levels.product_id
        and active_orderpoints.warehouse_id = stock_levels.warehouse_id
    left join stock_cover
        on active_orderpoints.product_id = stock_cover.product_id
        and active_orderpoints.warehouse_id = stock_cover.warehouse_id

)

select * from final
