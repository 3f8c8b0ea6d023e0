{#-
    On-time and lead-time performance of each vendor over the receipts done in the trailing
    `supplier_window_days` (365, as Odoo's own vendor on-time rate), pooled across the
    companies that buy from it: punctuality is the vendor's, and a company that orders from
    it a few times a year has too few receipts to judge it alone (per-company detail is in
    fct_purchase_receipts).

    On-time rate is Odoo's strict rule: received on or before the promised day. Average
    days late is the signed mean (early receipts offset late ones), as a buyer reads it.
    A vendor is chronically late only with at least `supplier_min_receipts` receipts of
    which at least half came more than `supplier_late_grace_days` after the promised day:
    one bad delivery, or a habit of arriving a day late, is not a pattern worth an alert.
    Rank 1 is the worst vendor: lowest on-time rate, then most days late.
-#}

{%- set grace_days = var('supplier_late_grace_days', 2) | int %}
{%- set min_receipts = var('supplier_min_receipts', 3) | int %}

with

receipts as (

    select * from {{ ref('fct_purchase_receipts') }}

),

report_dates as (

    select * from {{ ref('int_operations_dates_resolved') }}

),

in_window as (

    select
        receipts.*,
        report_dates.as_of_date,
        report_dates.supplier_window_start_date
    from receipts
    cross join report_dates
    where receipts.received_date <= report_dates.as_of_date
        and receipts.received_date >= report_dates.supplier_window_start_date
        and receipts.days_late is not null

),

aggregated as (

    select
        partner_id,
        count(distinct company_id)                                       as company_count,
        max(as_of_date)                                                  as as_of_date,
        max(supplier_window_start_date)                                  as window_start_date,
        count(*)                                                         as receipt_count,
        sum(case when is_on_time then 1 else 0 end)                      as on_time_receipt_count,
        sum(case when days_late > {{ grace_days }} then 1 else 0 end)    as late_receipt_count,
        avg(cast(days_late as double precision))                         as avg_days_late,
        max(days_late)                                                   as max_days_late,
        avg(cast(promised_lead_days as double precision))                as avg_promised_lead_days,
        avg(cast(actual_lead_days as double precision))                  as avg_actual_lead_days,
        sum(received_qty)                                                as received_qty,
        max(received_date)                                               as last_received_date
    from in_window
    group by 1

),

rated as (

    select
        *,
        cast(on_time_receipt_count as double precision) / receipt_count  as on_time_rate,
        cast(late_receipt_count as double precision) / receipt_count     as late_rate
    from aggregated

),

final as (

    select
        partner_id,
        cast(company_count as integer)                                   as company_count,
        as_of_date,
        window_start_date,
        cast(receipt_count as integer)                                   as receipt_count,
        cast(on_time_receipt_count as integer)                           as on_time_receipt_count,
        cast(late_receipt_count as integer)                              as late_receipt_count,
        {{ round_to('on_time_rate', 4) }}                          as on_time_rate,
        {{ round_to('late_rate', 4) }}                             as late_rate,
        {{ round_to('avg_days_late', 1) }}                         as avg_days_late,
        max_days_late,
        {{ round_to('avg_promised_lead_days', 1) }}                as avg_promised_lead_days,
        {{ round_to('avg_actual_lead_days', 1) }}                  as avg_actual_lead_days,
        cast(received_qty as double precision)                           as received_qty,
        last_received_date,
        cast(row_number() over (
            order by on_time_rate asc, avg_days_late desc, partner_id
        ) as integer)                                                    as on_time_rank,
        (receipt_count >= {{ min_receipts }} and late_rate >= 0.5)       as is_chronically_late
    from rated

)

select * from final
