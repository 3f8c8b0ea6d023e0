{#- Odoo `crm.lead`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('crm_lead') -%}

with

source as (

    select * from {{ src.relation }}

),

live as (

    select * from source
    where {{ odoo_column(src, '_odoo_deleted_at', 'timestamptz') }} is null

),

final as (

    select
        {{ odoo_column(src, 'id', 'bigint') }}                                as lead_id,
        {{ odoo_column(src, 'active', 'boolean') }}                           as is_active,
        {{ odoo_column(src, 'automated_probability', 'double') }}             as automated_probability,
        {{ odoo_column(src, 'campaign_id', 'bigint') }}                       as campaign_id,
        {{ odoo_column(src, 'city', 'text') }}                                as city,
        {{ odoo_column(src, 'color', 'bigint') }}                             as color,
        {{ odoo_column(src, 'company_id', 'bigint') }}                        as company_id,
        {{ odoo_column(src, 'contact_name', 'text') }}                        as contact_name,
        {{ odoo_column(src, 'country_id', 'bigint') }}                        as country_id,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                  as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                        as created_by_user_id,
        {{ odoo_column(src, 'date_automation_last', 'timestamptz') }}         as automation_last_at,
        {{ odoo_column(src, 'date_closed', 'timestamptz') }}                  as closed_at,
        {{ odoo_column(src, 'date_conversion', 'timestamptz') }}              as conversion_at,
        {{ odoo_column(src, 'date_deadline', 'date') }}                       as deadline_date,
        {{ odoo_column(src, 'date_last_stage_update', 'timestamptz') }}       as last_stage_update_at,
        {{ odoo_column(src, 'date_open', 'timestamptz') }}                    as open_at,
        {{ odoo_column(src, 'day_close', 'double') }}                         as day_close,
        {{ odoo_column(src, 'day_open', 'double') }}                          as day_open,
        {{ odoo_column(src, 'description', 'text') }}                         as description,
        {{ odoo_column(src, 'email_cc', 'text') }}                            as email_cc,
        {{ odoo_column(src, 'email_domain_criterion', 'text') }}              as email_domain_criterion,
        {{ odoo_column(src, 'email_from', 'text') }}                          as email_from,
        {{ odoo_column(src, 'email_normalized', 'text') }}                    as email_normalized,
        {{ odoo_column(src, 'email_state', 'text') }}                         as email_state,
        {{ odoo_column(src, 'expected_revenue', 'money') }}                   as expected_revenue,
        {{ odoo_column(src, 'function', 'text') }}                            as function,
        {{ odoo_column(src, 'iap_enrich_done', 'boolean') }}                  as is_iap_enrich_done,
        {{ odoo_column(src, 'lang_id', 'bigint') }}                           as lang_id,
        {{ odoo_column(src, 'lead_mining_request_id', 'bigint') }}            as lead_mining_request_id,
        {{ odoo_column(src, 'lost_reason_id', 'bigint') }}                    as lost_reason_id,
        {{ odoo_column(src, 'medium_id', 'bigint') }}                         as medium_id,
        {{ odoo_column(src, 'name', 'text') }}                                as name,
        {{ odoo_column(src, 'partner_id', 'bigint') }}                        as partner_id,
        {{ odoo_column(src, 'partner_name', 'text') }}                        as partner_name,
        {{ odoo_column(src, 'phone', 'text') }}                               as phone,
        {{ odoo_column(src, 'phone_sanitized', 'text') }}                     as phone_sanitized,
        {{ odoo_column(src, 'phone_state', 'text') }}                         as phone_state,
        {{ odoo_column(src, 'priority', 'text') }}                            as priority,
        {{ odoo_column(src, 'probability', 'double') }}                       as probability,
        {{ odoo_column(src, 'prorated_revenue', 'money') }}                   as prorated_revenue,
        {{ odoo_column(src, 'recurring_plan', 'bigint') }}                    as recurring_plan,
        {{ odoo_column(src, 'recurring_revenue', 'money') }}                  as recurring_revenue,
        {{ odoo_column(src, 'recurring_revenue_monthly', 'money') }}          as recurring_revenue_monthly,
        {{ odoo_column(src, 'recurring_revenue_monthly_prorated', 'money') }} as recurring_revenue_monthly_prorated,
        {{ odoo_column(src, 'recurring_revenue_prorated', 'money') }}         as recurring_revenue_prorated,
        {{ odoo_column(src, 'referred', 'text') }}                            as referred,
        {{ odoo_column(src, 'reveal_id', 'text') }}                           as reveal_id,
        {{ odoo_column(src, 'source_id', 'bigint') }}                         as source_id,
        {{ odoo_column(src, 'stage_id', 'bigint') }}                          as stage_id,
        {{ odoo_column(src, 'state_id', 'bigint') }}                          as state_id,
        {{ odoo_column(src, 'street', 'text') }}                              as street,
        {{ odoo_column(src, 'street2', 'text') }}                             as street2,
        {{ odoo_column(src, 'tag_ids', 'text') }}                             as tag_ids,
        {{ odoo_column(src, 'team_id', 'bigint') }}                           as team_id,
        {{ odoo_column(src, 'type', 'text') }}                                as type,
        {{ odoo_column(src, 'user_id', 'bigint') }}                           as user_id,
        {{ odoo_column(src, 'website', 'text') }}                             as website,
        {{ odoo_column(src, 'won_status', 'text') }}                          as won_status,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                   as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                         as updated_by_user_id,
        {{ odoo_column(src, 'zip', 'text') }}                                 as zip,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
