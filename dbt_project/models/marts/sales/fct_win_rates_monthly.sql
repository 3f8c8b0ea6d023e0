{#-
    Won and lost opportunities per closing month, company, sales team and salesperson, the
    win rate (won / (won + lost)) and the sales cycle of won deals (creation to closing, in
    days, as Odoo's `day_close`). Counts and day totals are additive: a team's or a
    quarter's win rate is sum(won_count) / sum(closed_count).

    Only opportunities count (a lead disqualified before it became an opportunity is not a
    lost sale); archived opportunities that were not marked lost are left out, as Odoo's
    reports leave them out.
-#}

with

closed as (

    select * from {{ ref('int_leads_classified') }}
    where is_opportunity
        and outcome in ('won', 'lost')

),

dated as (

    select
        closed.*,
        {{ month_start(utc_timestamp('coalesce(closed.closed_at, closed.updated_at)')) }}
                                                              as closed_month_date,
        case
            when closed.outcome = 'won' then {{ dbt.datediff(
                utc_date('closed.created_at'),
                utc_date('coalesce(closed.closed_at, closed.updated_at)'),
                'day'
            ) }}
        end                                                   as sales_cycle_days
    from closed

),

by_month as (

    select
        closed_month_date,
        company_id,
        company_currency_id,
        team_id,
        team_name,
        user_id,
        salesperson_name,
        sum(case when outcome = 'won' then 1 else 0 end)      as won_count,
        sum(case when outcome = 'lost' then 1 else 0 end)     as lost_count,
        count(*)                                              as closed_count,
        sum(case when outcome = 'won' then coalesce(expected_revenue, 0) else 0 end)
                                                              as won_revenue,
        sum(case when outcome = 'lost' then coalesce(expected_revenue, 0) else 0 end)
                                                              as lost_revenue,
        sum(sales_cycle_days)                                 as won_sales_cycle_days_total,
        avg(sales_cycle_days)                                 as avg_sales_cycle_days,
        min(sales_cycle_days)                                 as min_sales_cycle_days,
        max(sales_cycle_days)                                 as max_sales_cycle_days
    from dated
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        {{ surrogate_key(['closed_month_date', 'company_id', 'team_id', 'user_id']) }}
                                                              as win_rate_key,
        closed_month_date,
        company_id,
        team_id,
        team_name,
        user_id,
        salesperson_name,
        won_count,
        lost_count,
        closed_count,
        round(cast(won_count as numeric) / closed_count, 4)   as win_rate,
        company_currency_id,
        won_revenue,
        lost_revenue,
        won_sales_cycle_days_total,
        round(cast(avg_sales_cycle_days as numeric), 1)       as avg_sales_cycle_days,
        min_sales_cycle_days,
        max_sales_cycle_days
    from by_month

)

select * from final
