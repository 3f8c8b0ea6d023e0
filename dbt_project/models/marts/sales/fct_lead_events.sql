{#-
    Everything dated that happened to a lead, one row per event, so a lead's state can be
    rebuilt as of any date (the deal models' point-in-time features):

    stage          a stage change from the chatter's tracking (the stage entered, its sequence)
    field          another tracked field changed (salesperson, priority, expected revenue,
                   probability, team) with its old and new value; identified by `field_info`
                   (on a real server, where it is empty and `field_id` points at the
                   unextracted ir.model.fields, only stage changes are identified)
    activity_done  the message Odoo posts when an activity is marked done (its activity type)
    message        any other message a person wrote or received (notes, emails; not the
                   empty notifications of a tracked change)
-#}

with

stage_changes as (

    select * from {{ ref('int_lead_stage_changes_identified') }}

),

stages as (

    select * from {{ ref('stg_odoo__crm_stages') }}

),

messages as (

    select * from {{ ref('stg_odoo__mail_messages') }}
    where model = 'crm.lead'
        and res_id is not null

),

tracking_values as (

    select * from {{ ref('stg_odoo__mail_tracking_values') }}

),

tracking_messages as (

    select distinct mail_message_id as message_id
    from tracking_values

),

named as (

    select
        tracking_values.*,
        case
            when left(trim(tracking_values.field_info), 1) = '{'
                then cast(tracking_values.field_info as json) ->> 'name'
        end                                                       as tracked_field_name
    from tracking_values

),

field_changes as (

    select
        messages.res_id                                           as lead_id,
        coalesce(messages.posted_at, named.created_at)            as event_at,
        'field'                                                   as event_kind,
        named.tracking_value_id                                   as source_id,
        named.tracked_field_name                                  as field_name,
        named.old_value_integer,
        named.new_value_integer,
        named.old_value_float,
        named.new_value_float,
        named.old_value_char,
        named.new_value_char
    from named
    inner join messages
        on named.mail_message_id = messages.message_id
    where named.tracked_field_name in (
        'user_id', 'priority', 'expected_revenue', 'probability', 'team_id'
    )

),

interactions as (

    select
        messages.res_id                                           as lead_id,
        coalesce(messages.posted_at, messages.created_at)         as event_at,
        case
            when messages.mail_activity_type_id is not null then 'activity_done'
            else 'message'
        end                                                       as event_kind,
        messages.message_id                                       as source_id
    from messages
    left join tracking_messages
        on messages.message_id = tracking_messages.message_id
    where messages.message_type in ('comment', 'email', 'email_outgoing')
        or messages.mail_activity_type_id is not null
        or (
            tracking_messages.message_id is null
            and coalesce(trim(messages.body), '') not in ('', '<p></p>', '<p><br></p>')
        )

),

final as (

    select
        stage_changes.lead_id,
        stage_changes.changed_at                                  as event_at,
        'stage'                                                   as event_kind,
        stage_changes.tracking_value_id                           as source_id,
        stage_changes.new_stage_id                                as stage_id,
        stages.sequence                                           as stage_sequence,
        coalesce(stages.is_won, false)                            as is_won_stage,
        stages.rotting_threshold_days,
        cast(null as text)                                        as field_name,
        cast(null as bigint)                                      as old_value_integer,
        cast(null as bigint)                                      as new_value_integer,
        cast(null as double precision)                            as old_value_float,
        cast(null as double precision)                            as new_value_float,
        cast(null as text)                                        as old_value_char,
        cast(null as text)                                        as new_value_char
    from stage_changes
    left join stages
        on stage_changes.new_stage_id = stages.stage_id

    union all

    select
        lead_id,
        event_at,
        event_kind,
        source_id,
        null,
        null,
        null,
        null,
        field_name,
        old_value_integer,
        new_value_integer,
        old_value_float,
        new_value_float,
        old_value_char,
        new_value_char
    from field_changes

    union all

    select
        lead_id,
        event_at,
        event_kind,
        source_id,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null
    from interactions

)

select * from final
