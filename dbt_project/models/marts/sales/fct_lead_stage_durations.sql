{#-
    Days each lead spent in each stage, from Odoo's stage tracking (one row per lead and
    stage, repeated visits summed), like the `duration_tracking` Odoo shows on the lead.

    Intervals: each tracked change opens its new stage until the next change. When the
    first tracked change starts from a stage (creation not tracked), that stage is counted
    from the lead's creation. The current stage is taken from the lead itself, entered at
    `date_last_stage_update`, and runs to the as-of date while the lead is open, to its
    closing date once won, lost or archived. Days are whole UTC calendar days, capped at the
    as-of date; stage periods that start after the as-of date are left out.
-#}

with

leads as (

    select * from {{ ref('int_leads_classified') }}

),

changes as (

    select * from {{ ref('int_lead_stage_changes_identified') }}

),

stages as (

    select * from {{ ref('stg_odoo__crm_stages') }}

),

as_of as (

    select * from {{ ref('int_sales_as_of_dates_resolved') }}

),

last_changes as (

    select
        lead_id,
        max(changed_at) as last_changed_at
    from changes
    group by 1

),

current_stage as (

    select
        leads.lead_id,
        leads.stage_id,
        coalesce(leads.last_stage_update_at, last_changes.last_changed_at, leads.created_at)
                                                              as entered_at,
        case
            when leads.outcome <> 'open'
                then coalesce(leads.closed_at, leads.updated_at)
        end                                                   as left_at,
        true                                                  as is_current_stage
    from leads
    left join last_changes
        on leads.lead_id = last_changes.lead_id
    where leads.stage_id is not null

),

sequenced_changes as (

    select
        changes.*,
        lead(changes.changed_at) over (
            partition by changes.lead_id order by changes.change_number
        )                                                     as next_changed_at
    from changes

),

before_first_change as (

    select
        sequenced_changes.lead_id,
        sequenced_changes.old_stage_id                        as stage_id,
        leads.created_at                                      as entered_at,
        sequenced_changes.changed_at                          as left_at,
        false                                                 as is_current_stage
    from sequenced_changes
    inner join leads
        on sequenced_changes.lead_id = leads.lead_id
    where sequenced_changes.change_number = 1
        and sequenced_changes.old_stage_id is not null

),

tracked as (

    -- The last tracked change is the current stage (taken from the lead above), unless the
    -- tracking stops at another stage: then that stage lasted until the current one began.
    select
        sequenced_changes.lead_id,
        sequenced_changes.new_stage_id                        as stage_id,
        sequenced_changes.changed_at                          as entered_at,
        coalesce(
            sequenced_changes.next_changed_at,
            case
                when sequenced_changes.new_stage_id <> current_stage.stage_id
                    then current_stage.entered_at
            end
        )                                                     as left_at,
        false                                                 as is_current_stage
    from sequenced_changes
    left join current_stage
        on sequenced_changes.lead_id = current_stage.lead_id
    where sequenced_changes.new_stage_id is not null

),

intervals as (

    select * from before_first_change
    union all
    select * from tracked
    where left_at is not null
    union all
    select * from current_stage

),

measured as (

    select
        intervals.*,
        {{ utc_date('intervals.entered_at') }}                as entered_date,
        case
            when intervals.left_at is null then as_of.as_of_date
            when {{ utc_date('intervals.left_at') }} > as_of.as_of_date then as_of.as_of_date
            else {{ utc_date('intervals.left_at') }}
        end                                                   as measured_until_date,
        as_of.as_of_date
    from intervals
    cross join as_of
    where {{ utc_date('intervals.entered_at') }} <= as_of.as_of_date

),

by_stage as (

    select
        lead_id,
        stage_id,
        as_of_date,
        count(*)                                              as visit_count,
        min(entered_at)                                       as first_entered_at,
        max(entered_at)                                       as last_entered_at,
        max(case when is_current_stage then 1 else 0 end) = 1 as is_current_stage,
        sum(
            case
                when {{ dbt.datediff('entered_date', 'measured_until_date', 'day') }} > 0
                    then {{ dbt.datediff('entered_date', 'measured_until_date', 'day') }}
                else 0
            end
        )                                                     as days_in_stage
    from measured
    group by 1, 2, 3

),

final as (

    select
        {{ surrogate_key(['by_stage.lead_id', 'by_stage.stage_id']) }} as lead_stage_key,
        by_stage.lead_id,
        by_stage.stage_id,
        stages.name                                           as stage_name,
        stages.sequence                                       as stage_sequence,
        leads.company_id,
        leads.team_id,
        leads.user_id,
        leads.lead_type,
        leads.outcome,
        by_stage.is_current_stage,
        by_stage.visit_count,
        by_stage.first_entered_at,
        by_stage.last_entered_at,
        by_stage.days_in_stage,
        by_stage.as_of_date
    from by_stage
    inner join leads
        on by_stage.lead_id = leads.lead_id
    left join stages
        on by_stage.stage_id = stages.stage_id

)

select * from final
