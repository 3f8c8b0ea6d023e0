{#-
    The nodes of the business knowledge graph: companies, partners (the commercial entity:
    a customer or supplier company, or a person buying alone), contacts (people of a
    partner), salespeople (internal users), products, invoices and bills, sale and purchase
    orders, CRM deals and project tasks.

    `entity_key` is `<odoo model>:<id>` (res.partner:84, account.move:1203), the address the
    alerts and the write-back proposals use, so an agent can go from an alert to its graph
    neighbourhood and back. `description` is a sentence built only from the record's own
    fields, the text the semantic (or lexical) search indexes. Partners that are the
    companies' or the users' own partner are represented by the company or the salesperson.
-#}

with

companies as (

    select * from {{ ref('stg_odoo__res_companies') }}

),

partners as (

    select * from {{ ref('stg_odoo__res_partners') }}

),

users as (

    select * from {{ ref('stg_odoo__res_users') }}

),

teams as (

    select * from {{ ref('stg_odoo__crm_teams') }}

),

products as (

    select * from {{ ref('stg_odoo__product_products') }}

),

templates as (

    select * from {{ ref('stg_odoo__product_templates') }}

),

categories as (

    select * from {{ ref('stg_odoo__product_categories') }}

),

moves as (

    select * from {{ ref('stg_odoo__account_moves') }}

),

overdue as (

    select * from {{ ref('fct_overdue_invoices') }}

),

sale_orders as (

    select * from {{ ref('stg_odoo__sale_orders') }}

),

purchase_orders as (

    select * from {{ ref('stg_odoo__purchase_orders') }}

),

leads as (

    select * from {{ ref('int_leads_classified') }}

),

tasks as (

    select * from {{ ref('stg_odoo__project_tasks') }}

),

projects as (

    select * from {{ ref('stg_odoo__project_projects') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

internal_partner_ids as (

    select partner_id from users where partner_id is not null
    union
    select partner_id from companies where partner_id is not null

),

worst_health as (

    -- a partner buying from two companies shows its weaker relationship
    select partner_id, min(health_score) as health_score
    from customers
    group by partner_id

),

company_nodes as (

    select
        {{ kg_key('res.company', 'company_id') }}           as entity_key,
        'company'                                           as entity_type,
        'res.company'                                       as odoo_model,
        company_id                                          as record_id,
        company_id,
        name,
        cast(null as varchar)                               as status,
        cast(null as numeric(20, 2))                        as amount,
        cast(null as date)                                  as event_date,
        concat_ws(' ', 'Company', name, 'email', email)     as description
    from companies

),

partner_nodes as (

    select
        {{ kg_key('res.partner', 'partners.partner_id') }}  as entity_key,
        case
            when coalesce(partners.commercial_partner_id, partners.partner_id) = partners.partner_id
                then 'partner'
            else 'contact'
        end                                                 as entity_type,
        'res.partner'                                       as odoo_model,
        partners.partner_id                                 as record_id,
        partners.company_id,
        partners.name,
        case
            when worst_health.health_score is null then null
            when worst_health.health_score >= 70 then 'healthy'
            when worst_health.health_score >= 40 then 'watch'
            else 'at_risk'
        end                                                 as status,
        cast(null as numeric(20, 2))                        as amount,
        cast(null as date)                                  as event_date,
        concat_ws(
            ' ',
            case
                when coalesce(partners.commercial_partner_id, partners.partner_id) <> partners.partner_id
                    then concat_ws(' ', 'Contact person', partners.function, 'at', parents.name)
                when coalesce(partners.customer_rank, 0) > 0 and coalesce(partners.supplier_rank, 0) > 0
                    then 'Customer and supplier'
                when coalesce(partners.supplier_rank, 0) > 0 then 'Supplier vendor'
                when coalesce(partners.customer_rank, 0) > 0 then 'Customer client'
                else 'Partner'
            end,
            partners.name,
            case when partners.is_company then 'company' end,
            case when partners.city is not null then 'in ' || partners.city end,
            'email',
            partners.email,
            partners.comment
        )                                                   as description
    from partners
    left join partners as parents
        on parents.partner_id = partners.commercial_partner_id
    left join worst_health
        on worst_health.partner_id = partners.partner_id
    where partners.partner_id not in (select partner_id from internal_partner_ids)

),

salesperson_nodes as (

    select
        {{ kg_key('res.users', 'users.user_id') }}          as entity_key,
        'salesperson'                                       as entity_type,
        'res.users'                                         as odoo_model,
        users.user_id                                       as record_id,
        users.company_id,
        coalesce(user_partners.name, users.login)           as name,
        case when users.is_active then 'active' else 'archived' end as status,
        cast(null as numeric(20, 2))                        as amount,
        cast(null as date)                                  as event_date,
        concat_ws(
            ' ',
            'Salesperson user',
            coalesce(user_partners.name, users.login),
            'login',
            users.login,
            case when teams.name is not null then 'in sales team ' || teams.name end
        )                                                   as description
    from users
    left join partners as user_partners
        on user_partners.partner_id = users.partner_id
    left join teams
        on teams.team_id = users.sale_team_id
    where not coalesce(users.is_share, false)
        and users.login <> '__system__'

),

product_nodes as (

    select
        {{ kg_key('product.product', 'products.product_id') }} as entity_key,
        'product'                                           as entity_type,
        'product.product'                                   as odoo_model,
        products.product_id                                 as record_id,
        templates.company_id,
        templates.name,
        case when coalesce(products.is_active, true) then 'active' else 'archived' end as status,
        cast(templates.list_price as numeric(20, 2))        as amount,
        cast(null as date)                                  as event_date,
        concat_ws(
            ' ',
            templates.name,
            case when templates.type = 'service' then 'service' else 'goods product' end,
            'in category',
            categories.complete_name,
            'reference',
            coalesce(products.default_code, templates.default_code),
            templates.description_sale,
            templates.description
        )                                                   as description
    from products
    inner join templates
        on templates.product_template_id = products.product_tmpl_id
    left join categories
        on categories.product_category_id = templates.categ_id

),

invoice_nodes as (

    select
        {{ kg_key('account.move', 'moves.move_id') }}       as entity_key,
        'invoice'                                           as entity_type,
        'account.move'                                      as odoo_model,
        moves.move_id                                       as record_id,
        moves.company_id,
        moves.name,
        case when overdue.move_id is not null then 'overdue' else moves.payment_state end as status,
        cast(moves.amount_total_signed as numeric(20, 2))   as amount,
        moves.invoice_date                                  as event_date,
        concat_ws(
            ' ',
            case moves.move_type
                when 'out_invoice' then 'Customer invoice'
                when 'out_refund' then 'Customer credit note'
                when 'in_invoice' then 'Vendor bill'
                else 'Vendor refund'
            end,
            moves.name,
            'for',
            moves.invoice_partner_display_name,
            'total',
            {{ kg_money('moves.amount_total') }},
            moves.payment_state,
            case
                when overdue.move_id is not null
                    then 'overdue by ' || cast(overdue.days_overdue as varchar) || ' days, '
                        || {{ kg_money('overdue.residual') }} || ' still open'
            end
        )                                                   as description
    from moves
    left join overdue
        on overdue.move_id = moves.move_id
    where moves.move_type in ('out_invoice', 'out_refund', 'in_invoice', 'in_refund')
        and moves.state = 'posted'

),

sale_order_nodes as (

    select
        {{ kg_key('sale.order', 'sale_order_id') }}         as entity_key,
        'order'                                             as entity_type,
        'sale.order'                                        as odoo_model,
        sale_order_id                                       as record_id,
        company_id,
        name,
        state                                               as status,
        cast(amount_total as numeric(20, 2))                as amount,
        {{ date_in_utc('ordered_at') }}                            as event_date,
        concat_ws(
            ' ',
            case when state in ('sale', 'done') then 'Sale order' else 'Quotation' end,
            name,
            'total',
            {{ kg_money('amount_total') }},
            'state',
            state,
            'invoice status',
            invoice_status
        )                                                   as description
    from sale_orders

),

purchase_order_nodes as (

    select
        {{ kg_key('purchase.order', 'purchase_order_id') }} as entity_key,
        'order'                                             as entity_type,
        'purchase.order'                                    as odoo_model,
        purchase_order_id                                   as record_id,
        company_id,
        name,
        state                                               as status,
        cast(amount_total as numeric(20, 2))                as amount,
        {{ date_in_utc('ordered_at') }}                            as event_date,
        concat_ws(
            ' ',
            'Purchase order',
            name,
            'total',
            {{ kg_money('amount_total') }},
            'state',
            state,
            'receipt',
            receipt_status
        )                                                   as description
    from purchase_orders

),

deal_nodes as (

    select
        {{ kg_key('crm.lead', 'lead_id') }}                 as entity_key,
        'deal'                                              as entity_type,
        'crm.lead'                                          as odoo_model,
        lead_id                                             as record_id,
        company_id,
        lead_name                                           as name,
        outcome                                             as status,
        cast(expected_revenue as numeric(20, 2))            as amount,
        {{ date_in_utc('created_at') }}                            as event_date,
        concat_ws(
            ' ',
            case when is_opportunity then 'Opportunity deal' else 'Lead' end,
            lead_name,
            outcome,
            'in stage',
            stage_name,
            'expected revenue',
            {{ kg_money('expected_revenue') }}
        )                                                   as description
    from leads

),

task_nodes as (

    select
        {{ kg_key('project.task', 'tasks.task_id') }}       as entity_key,
        'task'                                              as entity_type,
        'project.task'                                      as odoo_model,
        tasks.task_id                                       as record_id,
        tasks.company_id,
        tasks.name,
        tasks.state                                         as status,
        cast(null as numeric(20, 2))                        as amount,
        {{ date_in_utc('tasks.deadline_at') }}                     as event_date,
        concat_ws(
            ' ',
            'Task',
            tasks.name,
            'in project',
            projects.name,
            'state',
            tasks.state
        )                                                   as description
    from tasks
    left join projects
        on projects.project_id = tasks.project_id

),

unioned as (

    select * from company_nodes
    union all
    select * from partner_nodes
    union all
    select * from salesperson_nodes
    union all
    select * from product_nodes
    union all
    select * from invoice_nodes
    union all
    select * from sale_order_nodes
    union all
    select * from purchase_order_nodes
    union all
    select * from deal_nodes
    union all
    select * from task_nodes

),

final as (

    select
        entity_key,
        entity_type,
        odoo_model,
        record_id,
        company_id,
        name,
        status,
        amount,
        event_date,
        description
    from unioned

)

select * from final
