{{ config(materialized='table') }}  {#- tested and read by the feature mart: computed once, not per query -#}
{#-
    Customer x month: open support tasks and chatter activity, measured at the period end.

    * Open support tasks: `project.task` linked to the customer (its partner's commercial
      partner) created on or before the period end and not closed by then. Closed = state
      done or cancelled (`1_done`, `1_canceled`, Odoo 17+) or archived; closed since
      `date_end`, else the last stage change, else the last write.
    * Messages: `mail.message` posted in the 90 days up to the period end on the customer's
      leads/opportunities, sale orders and partner record.
    * Open activities: `mail.activity` on the same records, created on or before the period
      end and not done by then. Odoo deletes most activities once done, so history before
      the last extraction is incomplete: the as-of month is the reliable one.
    A record without a company (a shared partner) counts for every company of the customer.
-#}

with

customer_months as (

    select * from {{ ref('int_customer_months_spined') }}

),

tasks as (

    select * from {{ ref('stg_odoo__project_tasks') }}

),

messages as (

    select * from {{ ref('stg_odoo__mail_messages') }}

),

activities as (

    select * from {{ ref('stg_odoo__mail_activities') }}

),

leads as (

    select * from {{ ref('stg_odoo__crm_leads') }}

),

orders as (

    select * from {{ ref('stg_odoo__sale_orders') }}

),

partners as (

    select * from {{ ref('stg_odoo__res_partners') }}

),

{#- Which customer (and company) a chatter record belongs to. -#}
records as (

    select
        'crm.lead'                                              as res_model,
        leads.lead_id                                           as res_id,
        leads.company_id,
        coalesce(partners.commercial_partner_id, leads.partner_id) as commercial_partner_id
    from leads
    inner join partners
        on leads.partner_id = partners.partner_id

    union all

    select
        'sale.order'                                            as res_model,
        orders.sale_order_id                                    as res_id,
        orders.company_id,
        coalesce(partners.commercial_partner_id, orders.partner_id) as commercial_partner_id
    from orders
    inner join partners
        on orders.partner_id = partners.partner_id

    union all

    select
        'res.partner'                                           as res_model,
        partner_id                                              as res_id,
        company_id,
        coalesce(commercial_partner_id, partner_id)             as commercial_partner_id
    from partners

),

task_spans as (

    select
        tasks.task_id,
        tasks.company_id,
        coalesce(partners.commercial_partner_id, tasks.partner_id)   as commercial_partner_id,
        {{ date_in_utc('tasks.created_at') }}                        as created_date,
        case
            when tasks.state in ('1_done', '1_canceled') or not coalesce(tasks.is_active, true)
                then {{ date_in_utc('coalesce(tasks.end_at, tasks.last_stage_update_at, tasks.updated_at)') }}
        end                                                          as closed_date,
        tasks.state in ('1_done', '1_canceled') or not coalesce(tasks.is_active, true)
                                                                     as is_closed
    from tasks
    inner join partners
        on tasks.partner_id = partners.partner_id

),

open_tasks as (

    select
        customer_months.company_id,
        customer_months.commercial_partner_id,
        customer_months.period_month_date,
        count(*) as open_task_count
    from customer_months
    inner join task_spans
        on customer_months.commercial_partner_id = task_spans.commercial_partner_id
        and coalesce(task_spans.company_id, customer_months.company_id) = customer_months.company_id
        and task_spans.created_date <= customer_months.period_end_date
        and not (task_spans.is_closed and coalesce(task_spans.closed_date, task_spans.created_date)
                 <= customer_months.period_end_date)
    group by 1, 2, 3

),

customer_messages as (

    select
        records.company_id,
        records.commercial_partner_id,
        {{ date_in_utc('coalesce(messages.posted_at, messages.created_at)') }} as posted_date
    from messages
    inner join records
        on messages.model = records.res_model
        and messages.res_id = records.res_id

),

recent_messages as (

    select
        customer_months.company_id,
        customer_months.commercial_partner_id,
        customer_months.period_month_date,
        count(*) as message_count_90d
    from customer_months
    inner join customer_messages
        on customer_months.commercial_partner_id = customer_messages.commercial_partner_id
        and coalesce(customer_messages.company_id, customer_months.company_id) = customer_months.company_id
        and customer_messages.posted_date <= customer_months.period_end_date
        and customer_messages.posted_date > {{ days_after('customer_months.period_end_date', -90) }}
    group by 1, 2, 3

),

customer_activities as (

    select
        records.company_id,
        records.commercial_partner_id,
        {{ date_in_utc('activities.created_at') }} as created_date,
        activities.done_date
    from activities
    inner join records
        on activities.res_model = records.res_model
        and activities.res_id = records.res_id

),

open_activities as (

    select
        customer_months.company_id,
        customer_months.commercial_partner_id,
        customer_months.period_month_date,
        count(*) as open_activity_count
    from customer_months
    inner join customer_activities
        on customer_months.commercial_partner_id = customer_activities.commercial_partner_id
        and coalesce(customer_activities.company_id, customer_months.company_id) = customer_months.company_id
        and customer_activities.created_date <= customer_months.period_end_date
        and (customer_activities.done_date is null
             or customer_activities.done_date > customer_months.period_end_date)
    group by 1, 2, 3

),

final as (

    select
        customer_months.company_id,
        customer_months.commercial_partner_id,
        customer_months.period_month_date,
        coalesce(open_tasks.open_task_count, 0)           as open_task_count,
        coalesce(recent_messages.message_count_90d, 0)    as message_count_90d,
        coalesce(open_activities.open_activity_count, 0)  as open_activity_count
    from customer_months
    left join open_tasks
        on customer_months.company_id = open_tasks.company_id
        and customer_months.commercial_partner_id = open_tasks.commercial_partner_id
        and customer_months.period_month_date = open_tasks.period_month_date
    left join recent_messages
        on customer_months.company_id = recent_messages.company_id
        and customer_months.commercial_partner_id = recent_messages.commercial_partner_id
        and customer_months.period_month_date = recent_messages.period_month_date
    left join open_activities
        on customer_months.company_id = open_activities.company_id
        and customer_months.commercial_partner_id = open_activities.commercial_partner_id
        and customer_months.period_month_date = open_activities.period_month_date

)

select * from final
