{#-
    The typed edges of the business knowledge graph, each backed by the one record that
    links its two entities (`evidence_model`, `evidence_id`, and a sentence saying what it
    shows): an invoice is billed to a partner (the invoice), a deal is owned by a salesperson
    (the deal), an order includes a product (its first order line for that product)...

    Directed source -> target as read aloud ("account.move:12 billed_to res.partner:84");
    the neighbourhood query walks them both ways. One row per (edge type, source, target).
    Only edges whose two ends are entities of kg_entities are kept.
-#}

with

entities as (

    select * from {{ ref('kg_entities') }}

),

partners as (

    select * from {{ ref('stg_odoo__res_partners') }}

),

users as (

    select * from {{ ref('stg_odoo__res_users') }}

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

sale_order_lines as (

    select * from {{ ref('stg_odoo__sale_order_lines') }}

),

purchase_orders as (

    select * from {{ ref('stg_odoo__purchase_orders') }}

),

purchase_order_lines as (

    select * from {{ ref('stg_odoo__purchase_order_lines') }}

),

leads as (

    select * from {{ ref('int_leads_classified') }}

),

tasks as (

    select * from {{ ref('stg_odoo__project_tasks') }}

),

task_assignees as (

    {{ kg_unnest_id_array(ref('stg_odoo__project_tasks'), 'task_id', 'user_ids') }}

),

commercial as (

    select
        partner_id,
        coalesce(commercial_partner_id, partner_id) as commercial_partner_id
    from partners

),

contact_edges as (

    select
        'contact_of'                                        as edge_type,
        {{ kg_key('res.partner', 'partner_id') }}           as source_key,
        {{ kg_key('res.partner', 'commercial_partner_id') }} as target_key,
        company_id,
        'res.partner'                                       as evidence_model,
        partner_id                                          as evidence_id,
        concat_ws(' ', name, 'is a contact of partner', cast(commercial_partner_id as varchar)) as evidence,
        cast(null as date)                                  as evidence_date
    from partners
    where commercial_partner_id is not null
        and commercial_partner_id <> partner_id

),

account_manager_edges as (

    select
        'managed_by'                                        as edge_type,
        {{ kg_key('res.partner', 'partner_id') }}           as source_key,
        {{ kg_key('res.users', 'user_id') }}                as target_key,
        company_id,
        'res.partner'                                       as evidence_model,
        partner_id                                          as evidence_id,
        concat_ws(' ', name, 'has salesperson user', cast(user_id as varchar)) as evidence,
        cast(null as date)                                  as evidence_date
    from partners
    where user_id is not null

),

user_company_edges as (

    select
        'works_for'                                         as edge_type,
        {{ kg_key('res.users', 'user_id') }}                as source_key,
        {{ kg_key('res.company', 'company_id') }}           as target_key,
        company_id,
        'res.users'                                         as evidence_model,
        user_id                                             as evidence_id,
        concat_ws(' ', 'user', login, 'works for company', cast(company_id as varchar)) as evidence,
        cast(null as date)                                  as evidence_date
    from users
    where company_id is not null

),

invoice_edges as (

    select
        'billed_to'                                         as edge_type,
        {{ kg_key('account.move', 'moves.move_id') }}       as source_key,
        {{ kg_key('res.partner', 'coalesce(moves.commercial_partner_id, moves.partner_id)') }} as target_key,
        moves.company_id,
        'account.move'                                      as evidence_model,
        moves.move_id                                       as evidence_id,
        concat_ws(
            ' ',
            moves.name,
            'total',
            {{ kg_money('moves.amount_total') }},
            moves.payment_state,
            case
                when overdue.move_id is not null
                    then 'overdue by ' || cast(overdue.days_overdue as varchar) || ' days, '
                        || {{ kg_money('overdue.residual') }} || ' still open'
            end
        )                                                   as evidence,
        moves.invoice_date                                  as evidence_date
    from moves
    left join overdue
        on overdue.move_id = moves.move_id
    where moves.move_type in ('out_invoice', 'out_refund', 'in_invoice', 'in_refund')
        and moves.state = 'posted'
        and coalesce(moves.commercial_partner_id, moves.partner_id) is not null

),

invoice_salesperson_edges as (

    select
        'invoiced_by'                                       as edge_type,
        {{ kg_key('account.move', 'move_id') }}             as source_key,
        {{ kg_key('res.users', 'invoice_user_id') }}        as target_key,
        company_id,
        'account.move'                                      as evidence_model,
        move_id                                             as evidence_id,
        concat_ws(' ', name, 'has salesperson user', cast(invoice_user_id as varchar)) as evidence,
        invoice_date                                        as evidence_date
    from moves
    where move_type in ('out_invoice', 'out_refund')
        and state = 'posted'
        and invoice_user_id is not null

),

{#-
    Odoo writes the order's name into the invoice's origin ("S00012", or "S00012, S00015").
    An invoice links to an order of its company when the origin is the name, starts with
    "<name>,", ends with ", <name>" or contains ", <name>,". For a name without a comma or a
    LIKE wildcard (% _ \) that is exactly: the name is the origin's first comma-separated
    part, or a later part after its leading space; so those are matched by equality (a hash
    join) instead of comparing every invoice with every order of the company (127 million
    LIKE tests on the medium company). Any other name keeps the LIKE patterns.
-#}
invoice_origins as (

    select
        move_id,
        company_id,
        name,
        invoice_origin,
        invoice_date,
        length(invoice_origin) - length(replace(invoice_origin, ',', '')) + 1 as origin_part_count
    from moves
    where move_type in ('out_invoice', 'out_refund')
        and state = 'posted'
        and invoice_origin is not null

),

origin_positions as (

    select part_number
    from generate_series(
        1, (select coalesce(max(origin_part_count), 0) from invoice_origins)
    ) as positions (part_number)

),

origin_names as (

    select
        invoice_origins.move_id,
        invoice_origins.company_id,
        case
            when origin_positions.part_number = 1
                then split_part(invoice_origins.invoice_origin, ',', origin_positions.part_number)
            when left(split_part(invoice_origins.invoice_origin, ',', origin_positions.part_number), 1) = ' '
                then substr(split_part(invoice_origins.invoice_origin, ',', origin_positions.part_number), 2)
        end                                                 as order_name
    from invoice_origins
    inner join origin_positions
        on origin_positions.part_number <= invoice_origins.origin_part_count

),

orders_by_name as (

    select
        sale_order_id,
        company_id,
        name,
        strpos(name, ',') = 0 and strpos(name, '%') = 0 and strpos(name, '_') = 0
            and strpos(name, '\') = 0                       as is_plain_name
    from sale_orders

),

invoice_order_pairs as (

    select
        origin_names.move_id,
        orders_by_name.sale_order_id
    from origin_names
    inner join orders_by_name
        on orders_by_name.company_id = origin_names.company_id
        and orders_by_name.name = origin_names.order_name
    where orders_by_name.is_plain_name

    union

    select
        invoice_origins.move_id,
        orders_by_name.sale_order_id
    from invoice_origins
    inner join orders_by_name
        on orders_by_name.company_id = invoice_origins.company_id
        and (
            invoice_origins.invoice_origin = orders_by_name.name
            or invoice_origins.invoice_origin like orders_by_name.name || ',%'
            or invoice_origins.invoice_origin like '%, ' || orders_by_name.name
            or invoice_origins.invoice_origin like '%, ' || orders_by_name.name || ',%'
        )
    where not orders_by_name.is_plain_name

),

invoice_order_edges as (

    select
        'invoices_order'                                    as edge_type,
        {{ kg_key('account.move', 'moves.move_id') }}       as source_key,
        {{ kg_key('sale.order', 'sale_orders.sale_order_id') }} as target_key,
        moves.company_id,
        'account.move'                                      as evidence_model,
        moves.move_id                                       as evidence_id,
        concat_ws(' ', moves.name, 'has origin', moves.invoice_origin) as evidence,
        moves.invoice_date                                  as evidence_date
    from invoice_order_pairs
    inner join invoice_origins as moves
        on moves.move_id = invoice_order_pairs.move_id
    inner join sale_orders
        on sale_orders.sale_order_id = invoice_order_pairs.sale_order_id

),

sale_order_edges as (

    select
        'ordered_by'                                        as edge_type,
        {{ kg_key('sale.order', 'sale_orders.sale_order_id') }} as source_key,
        {{ kg_key('res.partner', 'commercial.commercial_partner_id') }} as target_key,
        sale_orders.company_id,
        'sale.order'                                        as evidence_model,
        sale_orders.sale_order_id                           as evidence_id,
        concat_ws(' ', sale_orders.name, sale_orders.state, 'total', {{ kg_money('sale_orders.amount_total') }}) as evidence,
        {{ date_in_utc('sale_orders.ordered_at') }}         as evidence_date
    from sale_orders
    inner join commercial
        on commercial.partner_id = sale_orders.partner_id

),

sale_order_salesperson_edges as (

    select
        'sold_by'                                           as edge_type,
        {{ kg_key('sale.order', 'sale_order_id') }}         as source_key,
        {{ kg_key('res.users', 'user_id') }}                as target_key,
        company_id,
        'sale.order'                                        as evidence_model,
        sale_order_id                                       as evidence_id,
        concat_ws(' ', name, 'has salesperson user', cast(user_id as varchar)) as evidence,
        {{ date_in_utc('ordered_at') }}                     as evidence_date
    from sale_orders
    where user_id is not null

),

sale_order_deal_edges as (

    select
        'from_deal'                                         as edge_type,
        {{ kg_key('sale.order', 'sale_order_id') }}         as source_key,
        {{ kg_key('crm.lead', 'opportunity_id') }}          as target_key,
        company_id,
        'sale.order'                                        as evidence_model,
        sale_order_id                                       as evidence_id,
        concat_ws(' ', name, 'comes from opportunity', cast(opportunity_id as varchar)) as evidence,
        {{ date_in_utc('ordered_at') }}                     as evidence_date
    from sale_orders
    where opportunity_id is not null

),

sale_product_lines as (

    select
        order_id,
        product_id,
        company_id,
        min(sale_order_line_id)                             as sale_order_line_id,
        sum(product_uom_qty)                                as quantity,
        sum(price_subtotal)                                 as subtotal
    from sale_order_lines
    where product_id is not null
        and display_type is null
    group by order_id, product_id, company_id

),

sale_product_edges as (

    select
        'includes_product'                                  as edge_type,
        {{ kg_key('sale.order', 'order_id') }}              as source_key,
        {{ kg_key('product.product', 'product_id') }}       as target_key,
        company_id,
        'sale.order.line'                                   as evidence_model,
        sale_order_line_id                                  as evidence_id,
        concat_ws(' ', 'quantity', cast(quantity as varchar), 'subtotal', {{ kg_money('subtotal') }}) as evidence,
        cast(null as date)                                  as evidence_date
    from sale_product_lines

),

purchase_order_edges as (

    select
        'supplied_by'                                       as edge_type,
        {{ kg_key('purchase.order', 'purchase_orders.purchase_order_id') }} as source_key,
        {{ kg_key('res.partner', 'commercial.commercial_partner_id') }} as target_key,
        purchase_orders.company_id,
        'purchase.order'                                    as evidence_model,
        purchase_orders.purchase_order_id                   as evidence_id,
        concat_ws(' ', purchase_orders.name, purchase_orders.state, 'total', {{ kg_money('purchase_orders.amount_total') }}) as evidence,
        {{ date_in_utc('purchase_orders.ordered_at') }}     as evidence_date
    from purchase_orders
    inner join commercial
        on commercial.partner_id = purchase_orders.partner_id

),

purchase_product_lines as (

    select
        order_id,
        product_id,
        company_id,
        min(purchase_order_line_id)                         as purchase_order_line_id,
        sum(product_qty)                                    as quantity,
        sum(price_subtotal)                                 as subtotal
    from purchase_order_lines
    where product_id is not null
    group by order_id, product_id, company_id

),

purchase_product_edges as (

    select
        'includes_product'                                  as edge_type,
        {{ kg_key('purchase.order', 'order_id') }}          as source_key,
        {{ kg_key('product.product', 'product_id') }}       as target_key,
        company_id,
        'purchase.order.line'                               as evidence_model,
        purchase_order_line_id                              as evidence_id,
        concat_ws(' ', 'quantity', cast(quantity as varchar), 'subtotal', {{ kg_money('subtotal') }}) as evidence,
        cast(null as date)                                  as evidence_date
    from purchase_product_lines

),

deal_customer_edges as (

    select
        'deal_for'                                          as edge_type,
        {{ kg_key('crm.lead', 'leads.lead_id') }}           as source_key,
        {{ kg_key('res.partner', 'commercial.commercial_partner_id') }} as target_key,
        leads.company_id,
        'crm.lead'                                          as evidence_model,
        leads.lead_id                                       as evidence_id,
        concat_ws(' ', leads.lead_name, leads.outcome, 'in stage', leads.stage_name) as evidence,
        {{ date_in_utc('leads.created_at') }}               as evidence_date
    from leads
    inner join commercial
        on commercial.partner_id = leads.partner_id

),

deal_salesperson_edges as (

    select
        'owned_by'                                          as edge_type,
        {{ kg_key('crm.lead', 'lead_id') }}                 as source_key,
        {{ kg_key('res.users', 'user_id') }}                as target_key,
        company_id,
        'crm.lead'                                          as evidence_model,
        lead_id                                             as evidence_id,
        concat_ws(' ', lead_name, 'is owned by', salesperson_name) as evidence,
        {{ date_in_utc('created_at') }}                     as evidence_date
    from leads
    where user_id is not null

),

task_customer_edges as (

    select
        'task_for'                                          as edge_type,
        {{ kg_key('project.task', 'tasks.task_id') }}       as source_key,
        {{ kg_key('res.partner', 'commercial.commercial_partner_id') }} as target_key,
        tasks.company_id,
        'project.task'                                      as evidence_model,
        tasks.task_id                                       as evidence_id,
        concat_ws(' ', tasks.name, tasks.state) as evidence,
        {{ date_in_utc('tasks.created_at') }}               as evidence_date
    from tasks
    inner join commercial
        on commercial.partner_id = tasks.partner_id

),

task_assignee_edges as (

    select
        'assigned_to'                                       as edge_type,
        {{ kg_key('project.task', 'tasks.task_id') }}       as source_key,
        {{ kg_key('res.users', 'task_assignees.element_id') }} as target_key,
        tasks.company_id,
        'project.task'                                      as evidence_model,
        tasks.task_id                                       as evidence_id,
        concat_ws(' ', tasks.name, 'is assigned to user', cast(task_assignees.element_id as varchar)) as evidence,
        {{ date_in_utc('tasks.created_at') }}               as evidence_date
    from task_assignees
    inner join tasks
        on tasks.task_id = task_assignees.task_id

),

task_order_edges as (

    select
        'task_of_order'                                     as edge_type,
        {{ kg_key('project.task', 'task_id') }}             as source_key,
        {{ kg_key('sale.order', 'sale_order_id') }}         as target_key,
        company_id,
        'project.task'                                      as evidence_model,
        task_id                                             as evidence_id,
        concat_ws(' ', name, 'belongs to order', cast(sale_order_id as varchar)) as evidence,
        {{ date_in_utc('created_at') }}                     as evidence_date
    from tasks
    where sale_order_id is not null

),

unioned as (

    select * from contact_edges
    union all
    select * from account_manager_edges
    union all
    select * from user_company_edges
    union all
    select * from invoice_edges
    union all
    select * from invoice_salesperson_edges
    union all
    select * from invoice_order_edges
    union all
    select * from sale_order_edges
    union all
    select * from sale_order_salesperson_edges
    union all
    select * from sale_order_deal_edges
    union all
    select * from sale_product_edges
    union all
    select * from purchase_order_edges
    union all
    select * from purchase_product_edges
    union all
    select * from deal_customer_edges
    union all
    select * from deal_salesperson_edges
    union all
    select * from task_customer_edges
    union all
    select * from task_assignee_edges
    union all
    select * from task_order_edges

),

deduplicated as (

    -- an invoice whose origin names two orders links to both; the same pair twice keeps
    -- its first evidence record
    select
        unioned.*,
        row_number() over (
            partition by edge_type, source_key, target_key
            order by evidence_id
        ) as pair_rank
    from unioned

),

final as (

    select
        deduplicated.edge_type || '|' || deduplicated.source_key || '|' || deduplicated.target_key as edge_key,
        deduplicated.edge_type,
        deduplicated.source_key,
        sources.entity_type                                 as source_type,
        deduplicated.target_key,
        targets.entity_type                                 as target_type,
        deduplicated.company_id,
        deduplicated.evidence_model,
        deduplicated.evidence_id,
        deduplicated.evidence,
        deduplicated.evidence_date
    from deduplicated
    inner join entities as sources
        on sources.entity_key = deduplicated.source_key
    inner join entities as targets
        on targets.entity_key = deduplicated.target_key
    where deduplicated.pair_rank = 1

)

select * from final
