{#-
    The accounts that hold cash: bank and cash accounts (`asset_cash`, and the default
    account of every bank/cash journal), plus the outstanding receipts/payments accounts
    that Odoo posts registered payments to before the bank statement matches them
    (recognised as the `outstanding_account_id` of payments). See DECISIONLOG.md.
-#}

with

accounts as (

    select * from {{ ref('stg_odoo__account_accounts') }}

),

journals as (

    select * from {{ ref('stg_odoo__account_journals') }}

),

payments as (

    select * from {{ ref('stg_odoo__account_payments') }}

),

candidates as (

    select account_id, 'bank_and_cash' as liquidity_kind, 1 as priority
    from accounts
    where account_type = 'asset_cash'

    union all

    select default_account_id as account_id, 'bank_and_cash' as liquidity_kind, 1 as priority
    from journals
    where type in ('bank', 'cash') and default_account_id is not null

    union all

    select distinct outstanding_account_id as account_id, 'outstanding' as liquidity_kind, 2 as priority
    from payments
    where outstanding_account_id is not null

),

ranked as (

    select
        account_id,
        liquidity_kind,
        row_number() over (partition by account_id order by priority) as rank_in_account
    from candidates

),

final as (

    select
        ranked.account_id,
        ranked.liquidity_kind,
        accounts.account_code,
        accounts.name as account_name,
        accounts.account_type
    from ranked
    inner join accounts
        on ranked.account_id = accounts.account_id
    where ranked.rank_in_account = 1

)

select * from final
