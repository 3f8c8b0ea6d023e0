{#- Journal items with what every finance mart asks of them: account, journal, move and currency. -#}

with

move_lines as (

    select * from {{ ref('stg_odoo__account_move_lines') }}

),

moves as (

    select * from {{ ref('stg_odoo__account_moves') }}

),

accounts as (

    select * from {{ ref('stg_odoo__account_accounts') }}

),

journals as (

    select * from {{ ref('stg_odoo__account_journals') }}

),

companies as (

    select * from {{ ref('stg_odoo__res_companies') }}

),

joined as (

    select
        move_lines.move_line_id,
        move_lines.move_id,
        coalesce(move_lines.move_name, moves.name)                      as move_name,
        moves.move_type,
        moves.created_at                                                as move_created_at,
        move_lines.parent_state                                         as move_state,
        moves.state = 'posted'                                          as is_posted,
        move_lines.journal_id,
        journals.name                                                   as journal_name,
        journals.type                                                   as journal_type,
        move_lines.account_id,
        accounts.account_code,
        accounts.name                                                   as account_name,
        accounts.account_type,
        coalesce(accounts.is_reconcilable, false)                       as is_reconcilable_account,
        coalesce(accounts.is_non_trade, false)                          as is_non_trade_account,
        move_lines.partner_id,
        moves.commercial_partner_id,
        move_lines.company_id,
        coalesce(move_lines.company_currency_id, companies.currency_id) as company_currency_id,
        coalesce(move_lines.currency_id, move_lines.company_currency_id, companies.currency_id)
                                                                        as currency_id,
        move_lines.accounting_date,
        move_lines.maturity_date,
        coalesce(move_lines.maturity_date, move_lines.accounting_date)  as due_date,
        moves.invoice_date,
        moves.invoice_due_date,
        move_lines.display_type,
        move_lines.name                                                 as line_label,
        move_lines.ref,
        move_lines.payment_id,
        move_lines.full_reconcile_id,
        move_lines.is_reconciled,
        coalesce(move_lines.debit, 0)                                   as debit,
        coalesce(move_lines.credit, 0)                                  as credit,
        coalesce(move_lines.balance, 0)                                 as balance,
        coalesce(move_lines.amount_currency, 0)                         as amount_currency,
        coalesce(move_lines.amount_residual, 0)                         as amount_residual,
        coalesce(move_lines.amount_residual_currency, 0)                as amount_residual_currency
    from move_lines
    inner join moves
        on move_lines.move_id = moves.move_id
    left join accounts
        on move_lines.account_id = accounts.account_id
    left join journals
        on move_lines.journal_id = journals.journal_id
    left join companies
        on move_lines.company_id = companies.company_id

),

final as (

    select * from joined

)

select * from final
