{{ config(materialized='table') }}  {#- five tests and the stage-duration mart read it: computed once, not per query -#}
{#-
    Stage changes of crm.lead from Odoo's chatter tracking (mail.tracking.value on messages
    of model crm.lead), one row per change, numbered per lead in time order.

    A tracking value is a stage change when its `field_info` names `stage_id` (what Odoo
    records when no ir.model.fields row is referenced, and what the simulator writes), or,
    when `field_info` is empty (the usual case on a real server, where `field_id` points at
    ir.model.fields, which is not extracted), when its new value is a crm.stage by both id
    and name: Odoo stores a many2one change as the record id plus its display name.
-#}

with

tracking_values as (

    select * from {{ ref('stg_odoo__mail_tracking_values') }}

),

messages as (

    select * from {{ ref('stg_odoo__mail_messages') }}
    where model = 'crm.lead'
        and res_id is not null

),

stages as (

    select * from {{ ref('stg_odoo__crm_stages') }}

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

stage_changes as (

    select
        named.tracking_value_id,
        messages.res_id                                           as lead_id,
        coalesce(messages.posted_at, named.created_at)            as changed_at,
        nullif(named.old_value_integer, 0)                        as old_stage_id,
        named.old_value_char                                      as old_stage_name,
        nullif(named.new_value_integer, 0)                        as new_stage_id,
        named.new_value_char                                      as new_stage_name,
        named.created_by_user_id                                  as changed_by_user_id
    from named
    inner join messages
        on named.mail_message_id = messages.message_id
    left join stages
        on named.new_value_integer = stages.stage_id
        and named.new_value_char = stages.name
    where named.tracked_field_name = 'stage_id'
        or (named.tracked_field_name is null and stages.stage_id is not null)

),

final as (

    select
        tracking_value_id,
        lead_id,
        row_number() over (
            partition by lead_id order by changed_at, tracking_value_id
        )                                                         as change_number,
        changed_at,
        old_stage_id,
        old_stage_name,
        new_stage_id,
        new_stage_name,
        changed_by_user_id
    from stage_changes

)

select * from final
