{#-
    One row per customer (commercial partner x company) at the as-of date: first and last
    order, the as-of month's features, and a transparent health score 0-100 that is the sum
    of four components (each column is kept so a reader can see why a score is low):

    * recency (0-40): full while the time since the last order is within the customer's own
      usual gap between orders (first to last order / (orders - 1); 90 days with a single
      order), falling linearly to 0 at four usual gaps;
    * order volume (0-30): orders of the last 6 months / the orders the customer's own
      history before them predicts for 6 months, capped at 1 (a customer ordering at half
      its usual rate gets 15). With less than 12 months of history: 30 with an order in the
      last 6 months, else 0. (The 3-month trend ratio of the features is too noisy for
      customers who order every other month to be scored on its own.)
    * payment (0-20): full when paid invoices were on time on average, 0 at 60+ days late on
      average; full without payment history;
    * support (0-10): 10 minus 5 per open support task.
    Bands: healthy >= 70, watch 40-69, at_risk < 40.
-#}

with

features as (

    select * from {{ ref('fct_customer_features_monthly') }}

),

partners as (

    select * from {{ ref('stg_odoo__res_partners') }}

),

current_month as (

    select * from features
    where period_end_date = as_of_date

),

gaps as (

    select
        current_month.*,
        case
            when orders_to_date > 1
                then 1.0 * {{ days_between('first_order_date', 'last_order_date') }} / (orders_to_date - 1)
        end as usual_order_gap_days,
        {#- history before the last 6 months: tenure_months + 1 - 6 months, at least one order -#}
        case
            when tenure_months + 1 >= 12
                then 6.0 * (orders_to_date - orders_6m) / (tenure_months + 1 - 6)
        end as expected_orders_6m
    from current_month

),

components as (

    select
        gaps.*,
        1.0 * days_since_last_order
            / greatest(coalesce(usual_order_gap_days, 90.0), 7.0)              as gaps_since_last_order,
        case
            when tenure_months + 1 < 12 and orders_6m > 0 then 30.0
            when tenure_months + 1 < 12 then 0.0
            else 30.0 * least(1.0, 1.0 * orders_6m / expected_orders_6m)
        end                                                                    as volume_points,
        case
            when avg_days_late is null then 20.0
            else 20.0 * greatest(0.0, least(1.0, 1.0 - greatest(cast(avg_days_late as double precision), 0.0) / 60.0))
        end                                                                    as payment_points,
        greatest(0.0, 10.0 - 5.0 * open_task_count)                            as support_points
    from gaps

),

scored as (

    select
        components.*,
        40.0 * greatest(0.0, least(1.0, 1.0 - (gaps_since_last_order - 1.0) / 3.0))
                                                                               as recency_points
    from components

),

final as (

    select
        scored.customer_key,
        scored.company_id,
        scored.partner_id,
        partners.name                                                         as partner_name,
        scored.as_of_date,
        scored.first_order_date,
        scored.last_order_date,
        scored.days_since_last_order,
        round(cast(scored.usual_order_gap_days as numeric), 1)                as usual_order_gap_days,
        round(cast(scored.gaps_since_last_order as numeric), 2)               as gaps_since_last_order,
        scored.orders_to_date,
        scored.orders_3m,
        scored.orders_prev_3m,
        scored.tenure_months,
        scored.orders_6m,
        round(cast(scored.expected_orders_6m as numeric), 2)                  as expected_orders_6m,
        scored.orders_12m,
        scored.order_trend_ratio,
        scored.revenue_12m,
        scored.revenue_trend_ratio,
        scored.paid_invoice_count,
        scored.avg_days_late,
        scored.open_overdue_amount,
        scored.open_task_count,
        scored.message_count_90d,
        scored.open_activity_count,
        round(cast(scored.recency_points as numeric), 1)                      as recency_points,
        round(cast(scored.volume_points as numeric), 1)                       as volume_points,
        round(cast(scored.payment_points as numeric), 1)                      as payment_points,
        round(cast(scored.support_points as numeric), 1)                      as support_points,
        cast(round(cast(scored.recency_points + scored.volume_points + scored.payment_points
                        + scored.support_points as numeric), 0) as integer)   as health_score,
        case
            when scored.recency_points + scored.volume_points + scored.payment_points
                 + scored.support_points >= 69.5 then 'healthy'
            when scored.recency_points + scored.volume_points + scored.payment_points
                 + scored.support_points >= 39.5 then 'watch'
            else 'at_risk'
        end                                                                   as health_band
    from scored
    left join partners
        on scored.partner_id = partners.partner_id

)

select * from final
