{#-
    Signs of life on each lead up to the sales as-of date: messages a person wrote or
    received (notes, emails, logged or completed activities; not the empty notifications
    Odoo posts for a tracked field change) and activities planned on it.

    Odoo's own rotting (Odoo 19) looks at the stage date alone; later versions restart the
    rotting clock whenever a message is posted or an activity is marked done. The stall
    rule uses the latter, and also counts planning a next activity as a sign of life.
-#}

with

leads as (

    select * from {{ ref('stg_odoo__crm_leads') }}

),

messages as (

    select * from {{ ref('stg_odoo__mail_messages') }}
    where model = 'crm.lead'
        and res_id is not null

),

tracking_values as (

    select * from {{ ref('stg_odoo__mail_tracking_values') }}

),

activities as (

    select * from {{ ref('stg_odoo__mail_activities') }}
    where res_model = 'crm.lead'
        and res_id is not null

),

as_of as (

    select * from {{ ref('int_sales_as_of_dates_resolved') }}

),

tracking_messages as (

    select distinct mail_message_id as message_id
    from tracking_values

),

interaction_messages as (

    select
        messages.res_id                                        as lead_id,
        coalesce(messages.posted_at, messages.created_at)      as interaction_at
    from messages
    left join tracking_messages
        on messages.message_id = tracking_messages.message_id
    cross join as_of
    where (
            messages.message_type in ('comment', 'email', 'email_outgoing')
            or messages.mail_activity_type_id is not null
            or (
                tracking_messages.message_id is null
                and coalesce(trim(messages.body), '') not in ('', '<p></p>', '<p><br></p>')
            )
        )
        and {{ utc_date('coalesce(messages.posted_at, messages.created_at)') }} <= as_of.as_of_date

),

messages_by_lead as (

    select
        lead_id,
        count(*)                                               as interaction_message_count,
        max(interaction_at)                                    as last_message_at
    from interaction_messages
    group by 1

),

activities_by_lead as (

    select
        activities.res_id                                      as lead_id,
        count(*)                                               as planned_activity_count,
        max(activities.created_at)                             as last_activity_planned_at,
        min(case when activities.done_date is null then activities.deadline_date end)
                                                               as next_activity_deadline_date
    from activities
    cross join as_of
    where {{ utc_date('activities.created_at') }} <= as_of.as_of_date
    group by 1

),

final as (

    select
        leads.lead_id,
        coalesce(messages_by_lead.interaction_message_count, 0) as interaction_message_count,
        messages_by_lead.last_message_at,
        coalesce(activities_by_lead.planned_activity_count, 0)  as planned_activity_count,
        activities_by_lead.last_activity_planned_at,
        activities_by_lead.next_activity_deadline_date,
        -- greatest() skips NULLs on DuckDB and PostgreSQL alike.
        greatest(
            messages_by_lead.last_message_at, activities_by_lead.last_activity_planned_at
        )                                                       as last_interaction_at
    from leads
    left join messages_by_lead
        on leads.lead_id = messages_by_lead.lead_id
    left join activities_by_lead
        on leads.lead_id = activities_by_lead.lead_id

)

select * from final
