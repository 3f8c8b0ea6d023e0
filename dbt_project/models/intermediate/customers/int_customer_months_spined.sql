{#-
    Customer x month: every month from the customer's first activity to the as-of month,
    months without orders included. A customer is a commercial partner with at least one
    confirmed order in a company. The spine starts at the earlier of the first order and the
    first invoice so that trailing revenue windows also count invoices issued before the
    first recorded order; the mart keeps the months from the first order on.

    `period_end_date` is the month's last day, or the as-of date in the as-of month: every
    feature is measured at it and never looks past it.
-#}

with

orders as (

    select * from {{ ref('int_customer_orders_attributed') }}

),

invoices as (

    select * from {{ ref('int_customer_invoices_attributed') }}

),

report_dates as (

    select * from {{ ref('int_customer_dates_resolved') }}

),

customers as (

    select
        company_id,
        commercial_partner_id,
        min(order_date)       as first_order_date,
        min(order_month_date) as first_order_month_date
    from orders
    group by 1, 2

),

first_invoices as (

    select
        company_id,
        commercial_partner_id,
        min(invoice_month_date) as first_invoice_month_date
    from invoices
    group by 1, 2

),

customer_starts as (

    select
        customers.company_id,
        customers.commercial_partner_id,
        customers.first_order_date,
        customers.first_order_month_date,
        case
            when first_invoices.first_invoice_month_date < customers.first_order_month_date
                then first_invoices.first_invoice_month_date
            else customers.first_order_month_date
        end as first_month_date
    from customers
    left join first_invoices
        on customers.company_id = first_invoices.company_id
        and customers.commercial_partner_id = first_invoices.commercial_partner_id

),

months as (

    {{ month_spine(
        '(select min(first_month_date) from customer_starts)',
        '(select as_of_month_date from report_dates)'
    ) }}

),

spined as (

    select
        customer_starts.company_id,
        customer_starts.commercial_partner_id,
        customer_starts.first_order_date,
        customer_starts.first_order_month_date,
        months.month_start_date                                  as period_month_date,
        {{ last_day_of_month('months.month_start_date') }}       as month_end_date,
        report_dates.as_of_date
    from customer_starts
    inner join months
        on months.month_start_date >= customer_starts.first_month_date
    cross join report_dates

),

final as (

    select
        company_id,
        commercial_partner_id,
        first_order_date,
        first_order_month_date,
        period_month_date,
        case when month_end_date > as_of_date then as_of_date else month_end_date end
                                                     as period_end_date,
        as_of_date,
        period_month_date >= first_order_month_date  as is_customer_month
    from spined

)

select * from final
