{#- The health score is within 0-100 and is the sum of its visible components (to rounding). -#}
select
    customer_key,
    health_score,
    recency_points + volume_points + payment_points + support_points as component_sum
from {{ ref('dim_customers') }}
where health_score < 0
    or health_score > 100
    or abs(health_score - (recency_points + volume_points + payment_points + support_points)) > 1
    or recency_points not between 0 and 40
    or volume_points not between 0 and 30
    or payment_points not between 0 and 20
    or support_points not between 0 and 10
