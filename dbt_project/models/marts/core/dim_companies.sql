{#-
    One row per Odoo company: its name, its currency and the currency's ISO code, and the
    time zone of its partner (what briefings are scheduled in). What every consumer shows
    beside a company id.
-#}

with

companies as (

    select * from {{ ref('stg_odoo__res_companies') }}

),

currencies as (

    select * from {{ ref('stg_odoo__res_currencies') }}

),

partners as (

    select * from {{ ref('stg_odoo__res_partners') }}

),

final as (

    select
        companies.company_id,
        companies.name              as company_name,
        companies.parent_id         as parent_company_id,
        companies.partner_id,
        companies.currency_id,
        currencies.name             as currency_code,
        currencies.symbol           as currency_symbol,
        partners.tz                 as timezone,
        companies.is_active
    from companies
    left join currencies
        on companies.currency_id = currencies.currency_id
    left join partners
        on companies.partner_id = partners.partner_id

)

select * from final
