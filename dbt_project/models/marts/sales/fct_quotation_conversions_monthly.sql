{#-
    Quotations created per month, company, sales team and salesperson, and what became of
    them: confirmed into sales orders (state `sale`, or `done` on Odoo 16 and older),
    cancelled, or still open (draft / sent); the share confirmed and the days from creation
    to confirmation (Odoo sets `date_order` to the confirmation time). Amounts untaxed, in
    company currency (divided by the order's `currency_rate`, as Odoo's sales report does).
    Counts and totals are additive across teams and months.
-#}

with

orders as (

    select * from {{ ref('stg_odoo__sale_orders') }}

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

classified as (

    select
        orders.sale_order_id,
        orders.company_id,
        companies.currency_id                                  as company_currency_id,
        orders.team_id,
        teams.name                                             as team_name,
        orders.user_id,
        user_partners.name                                     as salesperson_name,
        {{ month_start(utc_timestamp('orders.created_at')) }}  as created_month_date,
        orders.state in ('sale', 'done')                       as is_confirmed,
        orders.state = 'cancel'                                as is_cancelled,
        orders.state in ('draft', 'sent')                      as is_open_quotation,
        cast(
            orders.amount_untaxed
            / case when coalesce(orders.currency_rate, 0) = 0 then 1.0 else orders.currency_rate end
            as {{ odoo_type('money') }}
        )                                                      as amount_untaxed_company,
        case
            when orders.state in ('sale', 'done') then {{ dbt.datediff(
                utc_date('orders.created_at'), utc_date('orders.ordered_at'), 'day'
            ) }}
        end                                                    as raw_days_to_confirm
    from orders
    left join teams
        on orders.team_id = teams.team_id
    left join users
        on orders.user_id = users.user_id
    left join partners as user_partners
        on users.partner_id = user_partners.partner_id
    left join companies
        on orders.company_id = companies.company_id
    where orders.created_at is not null

),

timed as (

    -- An order dated before it was created (imported or back-dated) counts as confirmed
    -- on creation rather than with negative days.
    select
        *,
        case when raw_days_to_confirm < 0 then 0 else raw_days_to_confirm end as days_to_confirm
    from classified

),

by_month as (

    select
        created_month_date,
        company_id,
        company_currency_id,
        team_id,
        team_name,
        user_id,
        salesperson_name,
        count(*)                                               as quotation_count,
        sum(case when is_confirmed then 1 else 0 end)          as confirmed_count,
        sum(case when is_cancelled then 1 else 0 end)          as cancelled_count,
        sum(case when is_open_quotation then 1 else 0 end)     as open_quotation_count,
        sum(coalesce(amount_untaxed_company, 0))               as quoted_amount_untaxed,
        sum(case when is_confirmed then coalesce(amount_untaxed_company, 0) else 0 end)
                                                               as confirmed_amount_untaxed,
        sum(days_to_confirm)                                   as days_to_confirm_total,
        avg(days_to_confirm)                                   as avg_days_to_confirm,
        max(days_to_confirm)                                   as max_days_to_confirm
    from timed
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        {{ surrogate_key(['created_month_date', 'company_id', 'team_id', 'user_id']) }}
                                                               as quotation_conversion_key,
        created_month_date,
        company_id,
        team_id,
        team_name,
        user_id,
        salesperson_name,
        quotation_count,
        confirmed_count,
        cancelled_count,
        open_quotation_count,
        round(cast(confirmed_count as numeric) / quotation_count, 4) as conversion_rate,
        company_currency_id,
        quoted_amount_untaxed,
        confirmed_amount_untaxed,
        days_to_confirm_total,
        round(cast(avg_days_to_confirm as numeric), 1)         as avg_days_to_confirm,
        max_days_to_confirm
    from by_month

)

select * from final
