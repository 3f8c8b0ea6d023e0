{#-
    Company x month: the factor that turns an amount in the company's currency into the
    reporting currency (var `reporting_currency`), at Odoo's own rates: the company's
    `res.currency.rate` rows (or rows shared by every company), `rate` being units of the
    currency per unit of the company currency, so factor = rate(reporting) / rate(company
    currency). Like Odoo's `res.currency._get_rates`, the rate of a day is the latest on or
    before it (a company's own rows first), else the earliest after it, else 1.
    `closing_rate` is the factor at the month's last day (balance sheet); `average_rate`
    the mean of the daily factors over the month (profit and loss).
-#}

with

fiscal_months as (

    select * from {{ ref('dim_fiscal_months') }}

),

currencies as (

    select * from {{ ref('stg_odoo__res_currencies') }}

),

rates as (

    select * from {{ ref('stg_odoo__res_currency_rates') }}

),

reporting_currency as (

    select min(currency_id) as currency_id
    from currencies
    where name = '{{ var("reporting_currency", "USD") }}'

),

bounds as (

    select min(period_month_date) as first_date, max(period_end_date) as last_date
    from fiscal_months

),

days as (

    select cast(day_at as date) as rate_day
    from generate_series(
        cast((select first_date from bounds) as timestamp),
        cast((select last_date from bounds) as timestamp),
        interval '1 day'
    ) as spine (day_at)

),

{#- the two currencies each company needs: its own and the reporting currency -#}
needs as (

    select distinct company_id, company_currency_id as currency_id
    from fiscal_months
    union
    select distinct fiscal_months.company_id, reporting_currency.currency_id
    from fiscal_months
    cross join reporting_currency

),

company_days as (

    select
        fiscal_months.company_id,
        fiscal_months.period_month_date,
        days.rate_day
    from fiscal_months
    inner join days
        on days.rate_day between fiscal_months.period_month_date and fiscal_months.period_end_date

),

candidates as (

    select
        needs.company_id,
        needs.currency_id,
        rates.rate_date,
        rates.rate,
        rates.company_id is null as is_shared
    from needs
    inner join rates
        on needs.currency_id = rates.currency_id
        and (rates.company_id = needs.company_id or rates.company_id is null)
    where rates.rate is not null and rates.rate <> 0

),

as_of_rates as (

    select
        company_days.company_id,
        company_days.period_month_date,
        company_days.rate_day,
        needs.currency_id,
        candidates.rate,
        row_number() over (
            partition by company_days.company_id, company_days.rate_day, needs.currency_id
            order by
                case when candidates.rate_date <= company_days.rate_day then 0 else 1 end,
                case when candidates.is_shared then 1 else 0 end,
                case when candidates.rate_date <= company_days.rate_day then candidates.rate_date end desc,
                candidates.rate_date
        ) as preference
    from company_days
    inner join needs
        on company_days.company_id = needs.company_id
    left join candidates
        on needs.company_id = candidates.company_id
        and needs.currency_id = candidates.currency_id

),

daily as (

    select
        as_of_rates.company_id,
        as_of_rates.period_month_date,
        as_of_rates.rate_day,
        fiscal_months.company_currency_id,
        reporting_currency.currency_id as reporting_currency_id,
        max(case when as_of_rates.currency_id = reporting_currency.currency_id
            then coalesce(as_of_rates.rate, 1.0) end)
        / max(case when as_of_rates.currency_id = fiscal_months.company_currency_id
            then coalesce(as_of_rates.rate, 1.0) end) as factor
    from as_of_rates
    inner join fiscal_months
        on as_of_rates.company_id = fiscal_months.company_id
        and as_of_rates.period_month_date = fiscal_months.period_month_date
    cross join reporting_currency
    where as_of_rates.preference = 1
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ surrogate_key(['daily.company_id', 'daily.period_month_date']) }} as reporting_rate_key,
        daily.company_id,
        daily.company_currency_id,
        daily.reporting_currency_id,
        daily.period_month_date,
        {#- exact decimals from here on, so translated lines add up to their totals -#}
        cast(avg(daily.factor) as numeric(20, 10))                         as average_rate,
        cast(max(case when daily.rate_day = fiscal_months.period_end_date then daily.factor end)
            as numeric(20, 10))                                            as closing_rate
    from daily
    inner join fiscal_months
        on daily.company_id = fiscal_months.company_id
        and daily.period_month_date = fiscal_months.period_month_date
    group by 1, 2, 3, 4, 5

)

select * from final
