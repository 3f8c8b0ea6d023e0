{#-
    The one as-of date every operations mart reports at, and the windows derived from it.

    `operations_as_of` (YYYY-MM-DD) when set; otherwise the latest UTC day on which a stock
    move was done or created, not the wall clock, so that a build over the same data is
    reproducible and a pause in extraction does not read as a sudden drop in demand. (Created
    counts too: a day of confirmed orders whose deliveries are not yet done is still a day
    the data covers, and leaving it out moved every demand window back by a day.) Windows are
    inclusive of the as-of day: a 90-day window is the as-of day and the 89 before it.
-#}

{%- set demand_window_days = var('demand_window_days', 90) | int %}
{%- set recent_window_days = var('demand_recent_window_days', 30) | int %}
{%- set supplier_window_days = var('supplier_window_days', 365) | int %}

with

stock_moves as (

    select * from {{ ref('stg_odoo__stock_moves') }}

),

latest as (

    select
        greatest(
            max(case when state = 'done' then {{ date_in_utc('moved_at') }} end),
            max({{ date_in_utc('created_at') }})
        ) as latest_date
    from stock_moves

),

as_of as (

    select
        {% if var('operations_as_of', '') -%}
        cast('{{ var("operations_as_of") }}' as date) as as_of_date
        {%- else -%}
        coalesce(latest.latest_date, current_date) as as_of_date
        {%- endif %}
    from latest

),

final as (

    select
        as_of_date,
        cast({{ demand_window_days }} as integer)                                    as demand_window_days,
        {{ days_after('as_of_date', 1 - demand_window_days) }}                       as demand_window_start_date,
        cast({{ recent_window_days }} as integer)                                    as demand_recent_window_days,
        {{ days_after('as_of_date', 1 - recent_window_days) }}                       as demand_recent_window_start_date,
        cast({{ supplier_window_days }} as integer)                                  as supplier_window_days,
        {{ days_after('as_of_date', 1 - supplier_window_days) }}                     as supplier_window_start_date
    from as_of

)

select * from final
