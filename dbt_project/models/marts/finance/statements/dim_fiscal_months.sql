{#-
    Company x month: where the month falls in the company's fiscal year. The fiscal year
    ends with Odoo's `res.company.fiscalyear_last_month` (default December); it is labelled
    by the calendar year it ends in, as Odoo does. Months are the grain of every statement,
    so a fiscal year end on another day than the month's last is taken at its month's end
    (DECISIONLOG). Covers each company's months in the ledger, up to the report month.
-#}

with

companies as (

    select * from {{ ref('stg_odoo__res_companies') }}

),

ledger as (

    select * from {{ ref('fct_ledger_by_period') }}

),

company_bounds as (

    select
        company_id,
        min(period_month_date) as first_month_date,
        max(period_month_date) as last_month_date
    from ledger
    group by 1

),

bounds as (

    select
        min(first_month_date) as first_month_date,
        max(last_month_date)  as last_month_date
    from company_bounds

),

months as (

    {{ month_spine('(select first_month_date from bounds)', '(select last_month_date from bounds)') }}

),

positioned as (

    select
        company_bounds.company_id,
        companies.currency_id                                                   as company_currency_id,
        companies.name                                                          as company_name,
        coalesce(cast(nullif(companies.fiscalyear_last_month, '') as integer), 12)
                                                                                as fiscal_year_last_month,
        months.month_start_date,
        {#- months since the fiscal year started: 0 (its first month) .. 11 -#}
        ((cast(extract(month from months.month_start_date) as integer)
          - coalesce(cast(nullif(companies.fiscalyear_last_month, '') as integer), 12) - 1) % 12 + 12) % 12
                                                                                as fiscal_month_index
    from company_bounds
    inner join months
        on months.month_start_date between company_bounds.first_month_date and company_bounds.last_month_date
    left join companies
        on company_bounds.company_id = companies.company_id

),

final as (

    select
        {{ surrogate_key(['company_id', 'month_start_date']) }}                  as fiscal_month_key,
        company_id,
        company_currency_id,
        company_name,
        month_start_date                                                        as period_month_date,
        {{ last_day_of_month('month_start_date') }}                             as period_end_date,
        fiscal_year_last_month,
        fiscal_month_index + 1                                                  as fiscal_month,
        cast(floor(fiscal_month_index / 3.0) as integer) + 1                    as fiscal_quarter,
        cast({{ dbt.dateadd('month', '-(fiscal_month_index % 3)', 'month_start_date') }} as date)
                                                                                as fiscal_quarter_start_date,
        cast({{ dbt.dateadd('month', '-fiscal_month_index', 'month_start_date') }} as date)
                                                                                as fiscal_year_start_date,
        {{ last_day_of_month(dbt.dateadd('month', '11 - fiscal_month_index', 'month_start_date')) }}
                                                                                as fiscal_year_end_date,
        cast(extract(year from {{ dbt.dateadd('month', '11 - fiscal_month_index', 'month_start_date') }}) as integer)
                                                                                as fiscal_year
    from positioned

)

select * from final
