{#-
    Every stock move with the warehouses it leaves and enters and what kind of movement it is.

    A move *enters* a warehouse when it ends in one of that warehouse's internal locations and
    does not start in another of them; it *leaves* one the other way round, so internal
    transfers (pick, pack, put-away) neither add nor remove stock. Quantities are
    `product_qty`, Odoo's quantity in the product's unit of measure (a done move's demand
    equals its done quantity: Odoo splits the rest off into a backorder move).
    Open = waiting, confirmed, partially available or assigned: the states Odoo's forecast
    counts (drafts are not commitments yet, cancelled and done moves are not pending).
-#}

with

stock_moves as (

    select * from {{ ref('stg_odoo__stock_moves') }}

),

locations as (

    select * from {{ ref('int_locations_mapped_to_warehouses') }}

),

sale_order_lines as (

    select * from {{ ref('stg_odoo__sale_order_lines') }}

),

purchase_order_lines as (

    select * from {{ ref('stg_odoo__purchase_order_lines') }}

),

joined as (

    select
        stock_moves.stock_move_id,
        stock_moves.company_id,
        stock_moves.product_id,
        stock_moves.picking_id,
        stock_moves.partner_id,
        stock_moves.state,
        stock_moves.moved_at,
        stock_moves.location_id,
        stock_moves.location_dest_id,
        stock_moves.sale_line_id,
        stock_moves.purchase_line_id,
        sale_order_lines.order_id                          as sale_order_id,
        purchase_order_lines.order_id                      as purchase_order_id,
        coalesce(stock_moves.product_qty, stock_moves.product_uom_qty, 0)
                                                           as product_qty,
        source.usage                                       as source_usage,
        destination.usage                                  as destination_usage,
        coalesce(source.is_internal, false)                as is_from_internal,
        coalesce(destination.is_internal, false)           as is_to_internal,
        case when source.is_internal then source.warehouse_id end
                                                           as source_warehouse_id,
        case when destination.is_internal then destination.warehouse_id end
                                                           as destination_warehouse_id
    from stock_moves
    left join locations as source
        on stock_moves.location_id = source.location_id
    left join locations as destination
        on stock_moves.location_dest_id = destination.location_id
    left join sale_order_lines
        on stock_moves.sale_line_id = sale_order_lines.sale_order_line_id
    left join purchase_order_lines
        on stock_moves.purchase_line_id = purchase_order_lines.purchase_order_line_id

),

classified as (

    select
        *,
        case
            when is_from_internal and is_to_internal
                and source_warehouse_id = destination_warehouse_id        then 'internal'
            when is_from_internal and destination_usage = 'customer'      then 'delivery'
            when source_usage = 'customer' and is_to_internal             then 'customer_return'
            when source_usage = 'supplier' and is_to_internal             then 'receipt'
            when is_from_internal and destination_usage = 'supplier'      then 'supplier_return'
            when source_usage = 'supplier' and destination_usage = 'customer'
                                                                          then 'dropship'
            when source_usage = 'inventory' or destination_usage = 'inventory'
                                                                          then 'inventory_adjustment'
            when source_usage = 'production' or destination_usage = 'production'
                                                                          then 'production'
            when is_from_internal or is_to_internal                       then 'inter_warehouse'
            else 'other'
        end                                                    as movement_type,
        case
            when is_to_internal
                and (not is_from_internal or source_warehouse_id is distinct from destination_warehouse_id)
                then destination_warehouse_id
        end                                                    as inbound_warehouse_id,
        case
            when is_from_internal
                and (not is_to_internal or source_warehouse_id is distinct from destination_warehouse_id)
                then source_warehouse_id
        end                                                    as outbound_warehouse_id,
        coalesce(state in ('waiting', 'confirmed', 'partially_available', 'assigned'), false)
                                                               as is_open,
        coalesce(state = 'done', false)                        as is_done
    from joined

),

final as (

    select
        stock_move_id,
        company_id,
        product_id,
        picking_id,
        partner_id,
        sale_order_id,
        purchase_order_id,
        purchase_line_id,
        state,
        movement_type,
        is_open,
        is_done,
        moved_at,
        {{ date_in_utc('moved_at') }}  as moved_date,
        product_qty,
        location_id,
        location_dest_id,
        source_usage,
        destination_usage,
        source_warehouse_id,
        destination_warehouse_id,
        inbound_warehouse_id,
        outbound_warehouse_id
    from classified

)

select * from final
