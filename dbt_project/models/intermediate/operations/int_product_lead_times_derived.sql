{#-
    The replenishment lead time of each purchased product, per company.

    The extractor reads no `product.supplierinfo`, and an orderpoint's `lead_days` is not a
    stored field, so the supplier lead time is read back from purchase history: Odoo sets a
    purchase line's `date_planned` to the order date plus the vendor's delay, so
    planned - ordered days of the product's latest confirmed purchase line is the current
    promised delay of its current vendor. The company's `days_to_purchase` (days to place
    an order) is added, as Odoo adds it to an orderpoint's lead days. The actual lead time
    (order to done receipt) of the same vendor and product is kept alongside: lateness is
    judged in the supplier performance, not hidden in the lead time.
-#}

with

purchase_orders as (

    select * from {{ ref('stg_odoo__purchase_orders') }}

),

purchase_order_lines as (

    select * from {{ ref('stg_odoo__purchase_order_lines') }}

),

companies as (

    select * from {{ ref('stg_odoo__res_companies') }}

),

stock_moves as (

    select * from {{ ref('int_stock_moves_classified') }}

),

confirmed_lines as (

    select
        purchase_order_lines.purchase_order_line_id,
        purchase_order_lines.product_id,
        purchase_orders.company_id,
        purchase_orders.partner_id,
        purchase_orders.ordered_at,
        {{ days_between(
            date_in_utc('purchase_orders.ordered_at'),
            date_in_utc('coalesce(purchase_order_lines.planned_at, purchase_orders.planned_at)')
        ) }}                                                  as promised_lead_days
    from purchase_order_lines
    inner join purchase_orders
        on purchase_order_lines.order_id = purchase_orders.purchase_order_id
    where purchase_orders.state in ('purchase', 'done')
        and purchase_order_lines.product_id is not null
        and purchase_order_lines.display_type is null
        and purchase_orders.ordered_at is not null

),

ranked as (

    select
        *,
        row_number() over (
            partition by product_id, company_id
            order by ordered_at desc, purchase_order_line_id desc
        ) as recency_rank
    from confirmed_lines

),

latest as (

    select * from ranked
    where recency_rank = 1

),

receipts as (

    select
        stock_moves.purchase_line_id,
        max(stock_moves.moved_date) as received_date
    from stock_moves
    where stock_moves.movement_type = 'receipt'
        and stock_moves.is_done
        and stock_moves.purchase_line_id is not null
    group by 1

),

actual as (

    select
        confirmed_lines.product_id,
        confirmed_lines.company_id,
        confirmed_lines.partner_id,
        count(*)                                                    as received_line_count,
        avg(cast({{ days_between(date_in_utc('confirmed_lines.ordered_at'), 'receipts.received_date') }}
            as double precision))                                   as avg_actual_lead_days
    from confirmed_lines
    inner join receipts
        on confirmed_lines.purchase_order_line_id = receipts.purchase_line_id
    group by 1, 2, 3

),

final as (

    select
        latest.product_id,
        latest.company_id,
        latest.partner_id                                           as vendor_partner_id,
        latest.purchase_order_line_id                               as latest_purchase_order_line_id,
        cast(latest.ordered_at as {{ odoo_type('timestamptz') }})  as latest_ordered_at,
        latest.promised_lead_days,
        cast(coalesce(companies.days_to_purchase, 0) as integer)    as days_to_purchase,
        latest.promised_lead_days
            + cast(coalesce(companies.days_to_purchase, 0) as integer)
                                                                    as lead_time_days,
        coalesce(actual.received_line_count, 0)                     as received_line_count,
        {{ round_to('actual.avg_actual_lead_days', 1) }}      as avg_actual_lead_days
    from latest
    left join companies
        on latest.company_id = companies.company_id
    left join actual
        on latest.product_id = actual.product_id
        and latest.company_id = actual.company_id
        and latest.partner_id = actual.partner_id

)

select * from final
