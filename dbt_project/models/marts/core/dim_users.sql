{#-
    One row per Odoo user with the name of its partner (what a salesperson or an approver
    is shown as), its login and its sales team.
-#}

with

users as (

    select * from {{ ref('stg_odoo__res_users') }}

),

partners as (

    select * from {{ ref('stg_odoo__res_partners') }}

),

final as (

    select
        users.user_id,
        partners.name                       as user_name,
        users.login,
        users.partner_id,
        users.company_id,
        users.sale_team_id,
        coalesce(users.is_active, true)     as is_active,
        coalesce(users.is_share, false)     as is_portal_user
    from users
    left join partners
        on users.partner_id = partners.partner_id

)

select * from final
