{#-
    Open opportunities stuck in their stage at the as-of date.

    Threshold: the stage's Odoo `rotting_threshold_days` when set (> 0), otherwise var
    `stalled_deal_default_days`. A deal is stalled when both the days since it entered its
    stage (`date_last_stage_update`, as Odoo's rotting) and the days since its last sign of
    life (a message, a completed or planned activity; see int_lead_interactions_aggregated)
    exceed the threshold: a deal at exactly the threshold is not stalled yet.
-#}

with

leads as (

    select * from {{ ref('int_leads_classified') }}
    where is_open_opportunity

),

interactions as (

    select * from {{ ref('int_lead_interactions_aggregated') }}

),

as_of as (

    select * from {{ ref('int_sales_as_of_dates_resolved') }}

),

measured as (

    select
        leads.*,
        as_of.as_of_date,
        {{ utc_date('coalesce(leads.last_stage_update_at, leads.created_at)') }} as stage_since_date,
        interactions.last_interaction_at,
        -- the stage change itself is the first sign of life; greatest() skips NULLs
        greatest(
            coalesce(leads.last_stage_update_at, leads.created_at), interactions.last_interaction_at
        )                                                    as last_activity_at,
        interactions.next_activity_deadline_date,
        case
            when leads.rotting_threshold_days > 0 then leads.rotting_threshold_days
            else as_of.stalled_deal_default_days
        end                                                  as threshold_days,
        case
            when leads.rotting_threshold_days > 0 then 'stage_rotting_threshold'
            else 'default_days'
        end                                                  as threshold_rule
    from leads
    cross join as_of
    left join interactions
        on leads.lead_id = interactions.lead_id

),

aged as (

    select
        *,
        {{ dbt.datediff('stage_since_date', 'as_of_date', 'day') }} as days_in_stage,
        {{ dbt.datediff(utc_date('last_activity_at'), 'as_of_date', 'day') }}
                                                             as days_since_last_activity
    from measured

),

final as (

    select
        lead_id,
        lead_name,
        company_id,
        team_id,
        team_name,
        user_id,
        salesperson_name,
        partner_id,
        partner_name,
        stage_id,
        stage_name,
        as_of_date,
        stage_since_date,
        days_in_stage,
        last_interaction_at,
        last_activity_at,
        days_since_last_activity,
        next_activity_deadline_date,
        rotting_threshold_days,
        threshold_days,
        threshold_rule,
        days_in_stage - threshold_days                       as days_over_threshold,
        probability,
        company_currency_id,
        expected_revenue,
        weighted_revenue
    from aged
    -- last_activity_at is never before the stage change, so this also means
    -- days_in_stage > threshold_days
    where days_since_last_activity > threshold_days

)

select * from final
