{#- The general ledger: every posted journal item, in company currency, with its account and journal. -#}

with

move_lines as (

    select * from {{ ref('int_move_lines_joined_to_accounts') }}

),

posted as (

    select * from move_lines
    where is_posted

),

final as (

    select
        move_line_id,
        move_id,
        move_name,
        move_type,
        move_created_at,
        company_id,
        company_currency_id,
        journal_id,
        journal_name,
        journal_type,
        account_id,
        account_code,
        account_name,
        account_type,
        partner_id,
        accounting_date,
        {{ month_start('accounting_date') }} as period_month_date,
        due_date,
        display_type,
        line_label,
        ref,
        debit,
        credit,
        balance,
        currency_id,
        amount_currency,
        amount_residual,
        amount_residual_currency,
        is_reconciled,
        full_reconcile_id,
        payment_id
    from posted

)

select * from final
