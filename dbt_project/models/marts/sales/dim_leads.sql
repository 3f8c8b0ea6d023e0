{#-
    One row per CRM lead or opportunity (archived ones included): its outcome as Odoo decides
    it, stage, team, salesperson, amounts, dates and how much interaction it had. What the
    deal scores train on and what the dashboard rebuilds the monthly pipeline from.
-#}

with

leads as (

    select * from {{ ref('int_leads_classified') }}

),

interactions as (

    select * from {{ ref('int_lead_interactions_aggregated') }}

),

final as (

    select
        leads.*,
        coalesce(interactions.interaction_message_count, 0)    as interaction_message_count,
        coalesce(interactions.planned_activity_count, 0)       as planned_activity_count,
        interactions.last_interaction_at
    from leads
    left join interactions
        on leads.lead_id = interactions.lead_id

)

select * from final
