{#-
    Confirmed sale orders up to the as-of date, attributed to the customer's commercial
    partner (the company behind a contact) within the selling company.
    Confirmed = state `sale` (Odoo 17+) or `done` (locked orders before Odoo 17); quotations
    and cancelled orders are not purchases.
-#}

with

orders as (

    select * from {{ ref('stg_odoo__sale_orders') }}

),

partners as (

    select * from {{ ref('stg_odoo__res_partners') }}

),

report_dates as (

    select * from {{ ref('int_customer_dates_resolved') }}

),

confirmed as (

    select
        orders.sale_order_id,
        orders.name                                                   as order_name,
        orders.company_id,
        orders.partner_id,
        coalesce(partners.commercial_partner_id, orders.partner_id)   as commercial_partner_id,
        {{ date_in_utc('orders.ordered_at') }}                        as order_date,
        orders.currency_id,
        orders.amount_untaxed,
        report_dates.as_of_date
    from orders
    left join partners
        on orders.partner_id = partners.partner_id
    cross join report_dates
    where orders.state in ('sale', 'done')
        and orders.partner_id is not null
        and orders.ordered_at is not null

),

final as (

    select
        sale_order_id,
        order_name,
        company_id,
        partner_id,
        commercial_partner_id,
        order_date,
        {{ month_start('order_date') }} as order_month_date,
        currency_id,
        amount_untaxed
    from confirmed
    where order_date <= as_of_date

)

select * from final
