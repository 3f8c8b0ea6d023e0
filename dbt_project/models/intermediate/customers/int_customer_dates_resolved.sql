{#-
    The one as-of date every customer model reports at.

    `customers_as_of` (YYYY-MM-DD) when set; otherwise the latest confirmed order date or
    posted accounting date in the data (not the wall clock), so builds are reproducible.
    Nothing after it is read by the customer models, so an earlier as-of date replays
    history without leaking the future into features or labels.
-#}

with

orders as (

    select * from {{ ref('stg_odoo__sale_orders') }}

),

moves as (

    select * from {{ ref('stg_odoo__account_moves') }}

),

latest as (

    select
        max(latest_date) as latest_date
    from (
        select max({{ date_in_utc('ordered_at') }}) as latest_date
        from orders
        where state in ('sale', 'done')
        union all
        select max(accounting_date) as latest_date
        from moves
        where state = 'posted'
    ) as dates

),

resolved as (

    select
        {% if var('customers_as_of', '') -%}
        cast('{{ var("customers_as_of") }}' as date) as as_of_date
        {%- else -%}
        coalesce(latest.latest_date, current_date) as as_of_date
        {%- endif %}
    from latest

),

final as (

    select
        as_of_date,
        {{ month_start('as_of_date') }} as as_of_month_date
    from resolved

)

select * from final
