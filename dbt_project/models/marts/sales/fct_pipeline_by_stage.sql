{#-
    The open pipeline per company, sales team and stage: how many open opportunities, their
    expected revenue and their probability-weighted value (expected revenue x probability,
    Odoo's `prorated_revenue`), in company currency, with how many of them are stalled.
    Open = crm.lead of type opportunity, active, neither won nor lost (int_leads_classified).
-#}

with

leads as (

    select * from {{ ref('int_leads_classified') }}
    where is_open_opportunity

),

stalled as (

    select * from {{ ref('fct_stalled_deals') }}

),

as_of as (

    select * from {{ ref('int_sales_as_of_dates_resolved') }}

),

by_stage as (

    select
        leads.company_id,
        leads.company_currency_id,
        leads.team_id,
        leads.team_name,
        leads.stage_id,
        leads.stage_name,
        leads.stage_sequence,
        count(*)                                                   as opportunity_count,
        sum(coalesce(leads.expected_revenue, 0))                   as expected_revenue,
        sum(leads.weighted_revenue)                                as weighted_revenue,
        avg(leads.probability)                                     as avg_probability,
        sum(case when stalled.lead_id is not null then 1 else 0 end) as stalled_count,
        sum(case when stalled.lead_id is not null then coalesce(leads.expected_revenue, 0) else 0 end)
                                                                   as stalled_expected_revenue
    from leads
    left join stalled
        on leads.lead_id = stalled.lead_id
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        {{ surrogate_key(['by_stage.company_id', 'by_stage.team_id', 'by_stage.stage_id']) }}
                                                                   as pipeline_key,
        by_stage.company_id,
        by_stage.team_id,
        by_stage.team_name,
        by_stage.stage_id,
        by_stage.stage_name,
        by_stage.stage_sequence,
        as_of.as_of_date,
        by_stage.company_currency_id,
        by_stage.opportunity_count,
        by_stage.expected_revenue,
        by_stage.weighted_revenue,
        round(cast(by_stage.avg_probability as numeric), 2)        as avg_probability,
        by_stage.stalled_count,
        by_stage.stalled_expected_revenue
    from by_stage
    cross join as_of

)

select * from final
