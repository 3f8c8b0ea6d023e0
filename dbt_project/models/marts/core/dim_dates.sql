{#-
    One row per calendar day from the first accounting date (or the first month before the
    report date when there is no ledger) to a year after the report date: the spine of the
    day-by-day cash projection and of any consumer that needs days without activity.
-#}

with

move_lines as (

    select accounting_date from {{ ref('stg_odoo__account_move_lines') }}

),

report_dates as (

    select * from {{ ref('int_report_dates_resolved') }}

),

bounds as (

    select
        coalesce(
            min(move_lines.accounting_date),
            {{ days_after('max(report_dates.as_of_date)', -31) }}
        )                                                       as first_date,
        {{ days_after('max(report_dates.as_of_date)', 366) }}  as last_date
    from report_dates
    left join move_lines
        on true

),

spine as (

    select cast(day_at as date) as date_day
    from bounds
    cross join generate_series(
        cast(bounds.first_date as timestamp),
        cast(bounds.last_date as timestamp),
        interval '1 day'
    ) as days (day_at)

),

final as (

    select
        date_day,
        {{ month_start('date_day') }}                           as month_start_date,
        {{ last_day_of_month(month_start('date_day')) }}        as month_end_date,
        cast(extract(year from date_day) as integer)            as year_number,
        cast(extract(month from date_day) as integer)           as month_number,
        cast(extract(isodow from date_day) as integer)          as iso_day_of_week,
        date_day = {{ last_day_of_month(month_start('date_day')) }}
                                                                as is_month_end,
        extract(isodow from date_day) in (6, 7)                 as is_weekend
    from spine

)

select * from final
