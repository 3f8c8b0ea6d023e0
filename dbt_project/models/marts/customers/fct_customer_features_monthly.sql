{#-
    Customer (commercial partner x company) x month features for the churn model, from the
    customer's first order month to the as-of month, months without orders included. Every
    feature is measured at `period_end_date` (month end, or the as-of date in the as-of
    month) from data dated on or before it; only the label looks forward.

    Trailing windows include the month itself (3m = this month and the two before). Trend
    ratios compare the last 3 months with the 3 before; NULL when the prior 3 months are
    zero (no base to compare with).
-#}

with

customer_months as (

    select * from {{ ref('int_customer_months_spined') }}

),

orders as (

    select * from {{ ref('int_customer_orders_attributed') }}

),

invoices as (

    select * from {{ ref('int_customer_invoices_attributed') }}

),

payments as (

    select * from {{ ref('int_customer_payments_assessed') }}

),

engagement as (

    select * from {{ ref('int_customer_engagement_assessed') }}

),

monthly_orders as (

    select
        company_id,
        commercial_partner_id,
        order_month_date,
        count(*)        as order_count,
        max(order_date) as last_order_date
    from orders
    group by 1, 2, 3

),

monthly_revenue as (

    select
        company_id,
        commercial_partner_id,
        invoice_month_date,
        sum(revenue) as revenue
    from invoices
    group by 1, 2, 3

),

{#- Each order's gap to the customer's previous order (NULL for the first). -#}
order_gaps as (

    select
        company_id,
        commercial_partner_id,
        order_date,
        {{ days_between(
            'lag(order_date) over (partition by company_id, commercial_partner_id order by order_date, sale_order_id)',
            'order_date'
        ) }} as gap_days
    from orders

),

{#- The customer's own rhythm at the period end: the median gap between consecutive orders
    dated on or before it (NULL with fewer than two orders). -#}
rhythm as (

    select
        customer_months.company_id,
        customer_months.commercial_partner_id,
        customer_months.period_month_date,
        percentile_cont(0.5) within group (order by order_gaps.gap_days) as median_order_gap_days
    from customer_months
    inner join order_gaps
        on customer_months.company_id = order_gaps.company_id
        and customer_months.commercial_partner_id = order_gaps.commercial_partner_id
        and order_gaps.order_date <= customer_months.period_end_date
        and order_gaps.gap_days is not null
    group by 1, 2, 3

),

future_orders as (

    select
        customer_months.company_id,
        customer_months.commercial_partner_id,
        customer_months.period_month_date,
        count(orders.sale_order_id) as order_count
    from customer_months
    left join orders
        on customer_months.company_id = orders.company_id
        and customer_months.commercial_partner_id = orders.commercial_partner_id
        and orders.order_date > customer_months.period_end_date
        and orders.order_date <= {{ days_after('customer_months.period_end_date', 90) }}
    group by 1, 2, 3

),

monthly as (

    select
        customer_months.*,
        coalesce(monthly_orders.order_count, 0) as order_count,
        monthly_orders.last_order_date          as month_last_order_date,
        coalesce(monthly_revenue.revenue, 0)    as revenue
    from customer_months
    left join monthly_orders
        on customer_months.company_id = monthly_orders.company_id
        and customer_months.commercial_partner_id = monthly_orders.commercial_partner_id
        and customer_months.period_month_date = monthly_orders.order_month_date
    left join monthly_revenue
        on customer_months.company_id = monthly_revenue.company_id
        and customer_months.commercial_partner_id = monthly_revenue.commercial_partner_id
        and customer_months.period_month_date = monthly_revenue.invoice_month_date

),

{#- The spine is dense (one row per month), so ROWS frames are calendar months. -#}
windowed as (

    select
        monthly.*,
        max(month_last_order_date) over (
            partition by company_id, commercial_partner_id order by period_month_date
            rows between unbounded preceding and current row
        ) as last_order_date,
        sum(order_count) over (
            partition by company_id, commercial_partner_id order by period_month_date
            rows between unbounded preceding and current row
        ) as orders_to_date,
        sum(order_count) over (
            partition by company_id, commercial_partner_id order by period_month_date
            rows between 2 preceding and current row
        ) as orders_3m,
        coalesce(sum(order_count) over (
            partition by company_id, commercial_partner_id order by period_month_date
            rows between 5 preceding and 3 preceding
        ), 0) as orders_prev_3m,
        sum(order_count) over (
            partition by company_id, commercial_partner_id order by period_month_date
            rows between 5 preceding and current row
        ) as orders_6m,
        sum(order_count) over (
            partition by company_id, commercial_partner_id order by period_month_date
            rows between 11 preceding and current row
        ) as orders_12m,
        sum(revenue) over (
            partition by company_id, commercial_partner_id order by period_month_date
            rows between 2 preceding and current row
        ) as revenue_3m,
        coalesce(sum(revenue) over (
            partition by company_id, commercial_partner_id order by period_month_date
            rows between 5 preceding and 3 preceding
        ), 0) as revenue_prev_3m,
        sum(revenue) over (
            partition by company_id, commercial_partner_id order by period_month_date
            rows between 5 preceding and current row
        ) as revenue_6m,
        sum(revenue) over (
            partition by company_id, commercial_partner_id order by period_month_date
            rows between 11 preceding and current row
        ) as revenue_12m
    from monthly

),

final as (

    select
        {{ surrogate_key(['windowed.company_id', 'windowed.commercial_partner_id', 'windowed.period_month_date']) }}
                                                                    as customer_month_key,
        {{ surrogate_key(['windowed.company_id', 'windowed.commercial_partner_id']) }}
                                                                    as customer_key,
        windowed.company_id,
        windowed.commercial_partner_id                              as partner_id,
        windowed.period_month_date,
        windowed.period_end_date,
        windowed.as_of_date,
        windowed.first_order_date,
        cast(
            (extract(year from windowed.period_month_date) - extract(year from windowed.first_order_month_date)) * 12
            + extract(month from windowed.period_month_date) - extract(month from windowed.first_order_month_date)
            as integer
        )                                                           as tenure_months,
        windowed.last_order_date,
        {{ days_between('windowed.last_order_date', 'windowed.period_end_date') }}
                                                                    as days_since_last_order,
        cast(rhythm.median_order_gap_days as double precision)     as median_order_gap_days,
        windowed.orders_to_date,
        windowed.order_count,
        windowed.orders_3m,
        windowed.orders_prev_3m,
        windowed.orders_6m,
        windowed.orders_12m,
        round(cast(1.0 * windowed.orders_3m / nullif(windowed.orders_prev_3m, 0) as numeric), 3)
                                                                    as order_trend_ratio,
        cast(windowed.revenue as {{ odoo_type('money') }})          as revenue,
        cast(windowed.revenue_3m as {{ odoo_type('money') }})       as revenue_3m,
        cast(windowed.revenue_prev_3m as {{ odoo_type('money') }})  as revenue_prev_3m,
        cast(windowed.revenue_6m as {{ odoo_type('money') }})       as revenue_6m,
        cast(windowed.revenue_12m as {{ odoo_type('money') }})      as revenue_12m,
        round(cast(windowed.revenue_3m / nullif(windowed.revenue_prev_3m, 0) as numeric), 3)
                                                                    as revenue_trend_ratio,
        coalesce(payments.paid_invoice_count, 0)                    as paid_invoice_count,
        round(cast(payments.avg_days_late as numeric), 1)           as avg_days_late,
        round(cast(payments.late_paid_share as numeric), 3)         as late_paid_share,
        coalesce(payments.open_overdue_amount, 0)                   as open_overdue_amount,
        coalesce(payments.open_overdue_invoice_count, 0)            as open_overdue_invoice_count,
        coalesce(engagement.open_task_count, 0)                     as open_task_count,
        coalesce(engagement.message_count_90d, 0)                   as message_count_90d,
        coalesce(engagement.open_activity_count, 0)                 as open_activity_count,
        case
            when {{ days_after('windowed.period_end_date', 90) }} <= windowed.as_of_date
                then future_orders.order_count
        end                                                         as orders_next_90d
    from windowed
    left join payments
        on windowed.company_id = payments.company_id
        and windowed.commercial_partner_id = payments.commercial_partner_id
        and windowed.period_month_date = payments.period_month_date
    left join engagement
        on windowed.company_id = engagement.company_id
        and windowed.commercial_partner_id = engagement.commercial_partner_id
        and windowed.period_month_date = engagement.period_month_date
    left join rhythm
        on windowed.company_id = rhythm.company_id
        and windowed.commercial_partner_id = rhythm.commercial_partner_id
        and windowed.period_month_date = rhythm.period_month_date
    inner join future_orders
        on windowed.company_id = future_orders.company_id
        and windowed.commercial_partner_id = future_orders.commercial_partner_id
        and windowed.period_month_date = future_orders.period_month_date
    where windowed.is_customer_month

)

select * from final
