{#-
    Every stock location with the warehouse it belongs to.

    Odoo stores `stock.location.warehouse_id` (computed from the warehouse's view location);
    when it is missing (older servers, or a location extracted before the field existed),
    the warehouse whose view location is an ancestor in `parent_path` is used instead.
    Partner, virtual and transit locations belong to no warehouse.
-#}

with

locations as (

    select * from {{ ref('stg_odoo__stock_locations') }}

),

warehouses as (

    select * from {{ ref('stg_odoo__stock_warehouses') }}

),

by_parent_path as (

    select
        locations.location_id,
        min(warehouses.warehouse_id) as warehouse_id
    from locations
    inner join warehouses
        on ('/' || locations.parent_path)
            like ('%/' || cast(warehouses.view_location_id as {{ odoo_type('text') }}) || '/%')
    group by 1

),

final as (

    select
        locations.location_id,
        locations.complete_name,
        locations.usage,
        locations.parent_path,
        coalesce(locations.warehouse_id, by_parent_path.warehouse_id)  as warehouse_id,
        coalesce(warehouses.company_id, locations.company_id)           as company_id,
        case
            when locations.warehouse_id is not null then 'location_field'
            when by_parent_path.warehouse_id is not null then 'parent_path'
            else 'none'
        end                                                             as warehouse_source,
        coalesce(locations.usage = 'internal', false)                   as is_internal
    from locations
    left join by_parent_path
        on locations.location_id = by_parent_path.location_id
    left join warehouses
        on coalesce(locations.warehouse_id, by_parent_path.warehouse_id) = warehouses.warehouse_id

)

select * from final
