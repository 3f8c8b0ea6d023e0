{#-
    Days of cover and estimated stock-out date per storable product and warehouse.

    Daily demand is the average of what was delivered to customers over the trailing
    `demand_window_days` (zero days included), or over the recent
    `demand_recent_window_days` when that rate is higher: a trailing average lags rising
    demand, and for a stock-out warning the faster rate is the prudent one.
    Cover = on hand + incoming (open receipts and transfers in); committed deliveries are
    not subtracted because the demand rate already stands for everything that will ship.
    Days of cover = cover / daily demand (NULL without demand: stock lasts indefinitely;
    0 when nothing is on hand or coming). The stock-out is estimated on the as-of date plus
    the whole days of cover, and is within lead time when it falls before a purchase placed
    on the as-of date could arrive (as-of + the product's lead time).
-#}

{%- set recent_window_days = var('demand_recent_window_days', 30) | int %}

with

stock_levels as (

    select * from {{ ref('fct_stock_levels') }}

),

demand_daily as (

    select * from {{ ref('fct_stock_demand_daily') }}

),

report_dates as (

    select * from {{ ref('int_operations_dates_resolved') }}

),

lead_times as (

    select * from {{ ref('int_product_lead_times_derived') }}

),

products as (

    select * from {{ ref('stg_odoo__product_products') }}

),

product_templates as (

    select * from {{ ref('stg_odoo__product_templates') }}

),

demand as (

    select
        demand_daily.product_id,
        demand_daily.warehouse_id,
        demand_daily.company_id,
        sum(case when demand_daily.demand_date >= report_dates.demand_window_start_date
            then demand_daily.delivered_qty else 0 end)              as window_demand_qty,
        sum(case when demand_daily.demand_date >= report_dates.demand_recent_window_start_date
            then demand_daily.delivered_qty else 0 end)              as recent_demand_qty,
        max(demand_daily.demand_date)                                as last_demand_date
    from demand_daily
    cross join report_dates
    where demand_daily.demand_date <= report_dates.as_of_date
        and (demand_daily.demand_date >= report_dates.demand_window_start_date
            or demand_daily.demand_date >= report_dates.demand_recent_window_start_date)
    group by 1, 2, 3

),

product_warehouses as (

    select product_id, warehouse_id, company_id from stock_levels
    union
    select product_id, warehouse_id, company_id from demand

),

storable as (

    select
        products.product_id
    from products
    left join product_templates
        on products.product_tmpl_id = product_templates.product_template_id
    where coalesce(product_templates.is_storable, product_templates.type = 'product', true)

),

rates as (

    select
        product_warehouses.product_id,
        product_warehouses.warehouse_id,
        product_warehouses.company_id,
        report_dates.as_of_date,
        coalesce(stock_levels.on_hand_qty, 0)                      as on_hand_qty,
        coalesce(stock_levels.incoming_qty, 0)                     as incoming_qty,
        coalesce(stock_levels.on_hand_qty, 0) + coalesce(stock_levels.incoming_qty, 0)
                                                                   as cover_qty,
        coalesce(demand.window_demand_qty, 0) / report_dates.demand_window_days
                                                                   as window_daily_demand,
        {% if recent_window_days > 0 -%}
        coalesce(demand.recent_demand_qty, 0) / report_dates.demand_recent_window_days
        {%- else -%}
        cast(null as double precision)
        {%- endif %}                                               as recent_daily_demand,
        demand.last_demand_date,
        lead_times.lead_time_days,
        lead_times.vendor_partner_id,
        lead_times.avg_actual_lead_days
    from product_warehouses
    inner join storable
        on product_warehouses.product_id = storable.product_id
    cross join report_dates
    left join stock_levels
        on product_warehouses.product_id = stock_levels.product_id
        and product_warehouses.warehouse_id = stock_levels.warehouse_id
    left join demand
        on product_warehouses.product_id = demand.product_id
        and product_warehouses.warehouse_id = demand.warehouse_id
    left join lead_times
        on product_warehouses.product_id = lead_times.product_id
        and product_warehouses.company_id = lead_times.company_id

),

covered as (

    select
        *,
        greatest(window_daily_demand, coalesce(recent_daily_demand, 0)) as daily_demand
    from rates

),

days_left as (

    select
        *,
        case
            when daily_demand <= 0 then null
            when cover_qty <= 0 then 0
            else cast(floor(cover_qty / daily_demand) as integer)
        end as days_until_stockout
    from covered

),

final as (

    select
        product_id,
        warehouse_id,
        company_id,
        as_of_date,
        cast(on_hand_qty as double precision)                       as on_hand_qty,
        cast(incoming_qty as double precision)                      as incoming_qty,
        cast(cover_qty as double precision)                         as cover_qty,
        {{ round_to('window_daily_demand', 4) }}              as window_daily_demand,
        {{ round_to('recent_daily_demand', 4) }}              as recent_daily_demand,
        {{ round_to('daily_demand', 4) }}                     as daily_demand,
        coalesce(daily_demand > 0, false)                           as has_demand,
        last_demand_date,
        {{ round_to('case
            when daily_demand <= 0 then null
            when cover_qty <= 0 then 0
            else cover_qty / daily_demand
        end', 1) }}                                                 as days_of_cover,
        days_until_stockout,
        case when days_until_stockout is not null
            then {{ days_after('as_of_date', 'days_until_stockout') }}
        end                                                         as estimated_stockout_date,
        lead_time_days,
        case when lead_time_days is not null then 'purchase_history' else 'none' end
                                                                    as lead_time_source,
        case when lead_time_days is not null
            then {{ days_after('as_of_date', 'lead_time_days') }}
        end                                                         as replenishment_date,
        vendor_partner_id,
        avg_actual_lead_days,
        coalesce(days_until_stockout < lead_time_days, false)       as is_stockout_within_lead_time
    from days_left

)

select * from final
