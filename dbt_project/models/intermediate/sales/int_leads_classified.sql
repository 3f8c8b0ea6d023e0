{#-
    Every crm.lead with its stage, team, salesperson and company currency, and its outcome
    the way Odoo decides it (`crm.lead._compute_won_status`):
      won    active, and in a won stage or at probability 100 with a closing date;
      lost   archived at probability 0 (Odoo's "Mark as lost");
      open   active and neither;
      archived  archived without being lost (Odoo hides these from its reports).
-#}

with

leads as (

    select * from {{ ref('stg_odoo__crm_leads') }}

),

stages as (

    select * from {{ ref('stg_odoo__crm_stages') }}

),

teams as (

    select * from {{ ref('stg_odoo__crm_teams') }}

),

users as (

    select * from {{ ref('stg_odoo__res_users') }}

),

partners as (

    select * from {{ ref('stg_odoo__res_partners') }}

),

companies as (

    select * from {{ ref('stg_odoo__res_companies') }}

),

joined as (

    select
        leads.*,
        stages.name                                         as stage_name,
        stages.sequence                                     as stage_sequence,
        coalesce(stages.is_won, false)                      as is_won_stage,
        stages.rotting_threshold_days,
        teams.name                                          as team_name,
        user_partners.name                                  as salesperson_name,
        companies.currency_id                               as company_currency_id
    from leads
    left join stages
        on leads.stage_id = stages.stage_id
    left join teams
        on leads.team_id = teams.team_id
    left join users
        on leads.user_id = users.user_id
    left join partners as user_partners
        on users.partner_id = user_partners.partner_id
    left join companies
        on leads.company_id = companies.company_id

),

classified as (

    select
        *,
        case
            when is_active and (is_won_stage or (probability >= 100 and closed_at is not null))
                then 'won'
            when not is_active and coalesce(probability, 0) = 0
                then 'lost'
            when is_active
                then 'open'
            else 'archived'
        end                                                 as outcome
    from joined

),

final as (

    select
        lead_id,
        name                                                as lead_name,
        type                                                as lead_type,
        type = 'opportunity'                                as is_opportunity,
        outcome,
        outcome = 'open' and type = 'opportunity'           as is_open_opportunity,
        is_active,
        won_status,
        company_id,
        company_currency_id,
        team_id,
        team_name,
        user_id,
        salesperson_name,
        partner_id,
        partner_name,
        stage_id,
        stage_name,
        stage_sequence,
        is_won_stage,
        rotting_threshold_days,
        probability,
        priority,
        expected_revenue,
        cast(expected_revenue * coalesce(probability, 0) / 100 as {{ odoo_type('money') }})
                                                            as weighted_revenue,
        created_at,
        conversion_at,
        last_stage_update_at,
        closed_at,
        updated_at,
        lost_reason_id
    from classified

)

select * from final
