{#-
    One row per contact (res.partner, archived ones included: an old invoice still names
    its partner), with its commercial partner (the company a contact belongs to, what the
    ledger and the customer marts key on) and whether it is a customer or a vendor.
-#}

with

partners as (

    select * from {{ ref('stg_odoo__res_partners') }}

),

final as (

    select
        partner_id,
        name                                                as partner_name,
        coalesce(complete_name, name)                       as partner_display_name,
        coalesce(commercial_partner_id, partner_id)         as commercial_partner_id,
        company_id,
        coalesce(is_company, false)                         as is_company,
        coalesce(is_active, true)                           as is_active,
        coalesce(customer_rank, 0) > 0                      as is_customer,
        coalesce(supplier_rank, 0) > 0                      as is_vendor,
        email,
        country_id,
        tz                                                  as timezone
    from partners

)

select * from final
