{#-
    Month x company: DSO and DPO on a trailing window of `days_outstanding_window_months`
    months. DSO = receivable balance at month end / credit sales of the window x days in
    the window; DPO = payable balance / vendor bills of the window x days. Sales and bills
    are posted invoices and refunds at their accounting date, tax included (receivables
    and payables include tax), in company currency.
-#}

{%- set window_months = var('days_outstanding_window_months', 3) | int %}

with

ledger as (

    select * from {{ ref('fct_ledger_by_period') }}

),

moves as (

    select * from {{ ref('stg_odoo__account_moves') }}

),

companies as (

    select * from {{ ref('stg_odoo__res_companies') }}

),

balances as (

    select
        company_id,
        period_month_date,
        sum(case when account_type = 'asset_receivable' then closing_balance else 0 end)   as receivable_balance,
        sum(case when account_type = 'liability_payable' then -closing_balance else 0 end) as payable_balance
    from ledger
    group by 1, 2

),

invoiced as (

    select
        company_id,
        {{ month_start('accounting_date') }} as period_month_date,
        sum(case when move_type in ('out_invoice', 'out_refund') then amount_total_signed else 0 end)
            as credit_sales,
        sum(case when move_type in ('in_invoice', 'in_refund') then -amount_total_signed else 0 end)
            as vendor_bills
    from moves
    where state = 'posted'
        and move_type in ('out_invoice', 'out_refund', 'in_invoice', 'in_refund')
    group by 1, 2

),

monthly as (

    select
        balances.company_id,
        balances.period_month_date,
        balances.receivable_balance,
        balances.payable_balance,
        coalesce(invoiced.credit_sales, 0) as credit_sales,
        coalesce(invoiced.vendor_bills, 0) as vendor_bills
    from balances
    left join invoiced
        on balances.company_id = invoiced.company_id
        and balances.period_month_date = invoiced.period_month_date

),

windowed as (

    select
        monthly.*,
        sum(credit_sales) over (
            partition by company_id order by period_month_date
            rows between {{ window_months - 1 }} preceding and current row
        ) as window_credit_sales,
        sum(vendor_bills) over (
            partition by company_id order by period_month_date
            rows between {{ window_months - 1 }} preceding and current row
        ) as window_vendor_bills,
        {{ days_between(
            dbt.dateadd('month', -(window_months - 1), 'period_month_date'),
            dbt.dateadd('month', 1, 'period_month_date')
        ) }} as window_days
    from monthly

),

final as (

    select
        {{ surrogate_key(['windowed.company_id', 'windowed.period_month_date']) }} as days_outstanding_key,
        windowed.company_id,
        companies.currency_id as company_currency_id,
        windowed.period_month_date,
        windowed.receivable_balance,
        windowed.payable_balance,
        windowed.credit_sales,
        windowed.vendor_bills,
        windowed.window_credit_sales,
        windowed.window_vendor_bills,
        windowed.window_days,
        case when windowed.window_credit_sales > 0
            then round(cast(windowed.receivable_balance / windowed.window_credit_sales * windowed.window_days as numeric), 1)
        end                   as dso_days,
        case when windowed.window_vendor_bills > 0
            then round(cast(windowed.payable_balance / windowed.window_vendor_bills * windowed.window_days as numeric), 1)
        end                   as dpo_days
    from windowed
    left join companies
        on windowed.company_id = companies.company_id

)

select * from final
