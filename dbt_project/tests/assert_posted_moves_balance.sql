{#- Double entry: in every posted journal entry, debits equal credits (company currency). -#}

with

general_ledger as (

    select * from {{ ref('fct_general_ledger') }}

),

per_move as (

    select
        move_id,
        sum(debit)  as total_debit,
        sum(credit) as total_credit
    from general_ledger
    group by 1

),

final as (

    select * from per_move
    where abs(total_debit - total_credit) >= 0.005

)

select * from final
