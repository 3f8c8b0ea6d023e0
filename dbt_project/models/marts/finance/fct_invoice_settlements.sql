{#-
    One row per posted customer invoice or vendor bill that is fully settled: when, and how
    many days after its due date (negative = early; NULL for an invoice closed by its credit
    note, which was never paid). The payment behaviour the late-payer alert, the customer
    marts and the cash projection's collection delay all read, defined once
    (int_invoices_joined_to_settlements).
-#}

with

settlements as (

    select * from {{ ref('int_invoices_joined_to_settlements') }}

),

final as (

    select
        move_id,
        invoice_name,
        aging_type,
        company_id,
        commercial_partner_id,
        invoice_date,
        due_date,
        settled_date,
        days_late,
        is_reversed,
        amount_total_signed
    from settlements
    where is_settled

)

select * from final
