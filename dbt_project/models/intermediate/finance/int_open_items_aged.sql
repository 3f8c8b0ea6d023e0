{#-
    Open receivable and payable items as of the report date, aged the way Odoo's Aged
    Receivable/Payable does it (account_reports, _aged_partner_report_custom_engine_common):

    * posted journal items on `asset_receivable` / `liability_payable` accounts dated on or
      before the as-of date;
    * residual as of the date = balance - partials where the item is the debit side
      + partials where it is the credit side, counting only partials whose `max_date` is on
      or before the as-of date (company currency from `amount`, transaction currency from
      `debit_amount_currency` / `credit_amount_currency`);
    * items whose residual rounds to zero are closed and left out;
    * due date = `date_maturity`, else the accounting date; days overdue = as-of - due.
-#}

with

move_lines as (

    select * from {{ ref('int_move_lines_joined_to_accounts') }}

),

partials as (

    select * from {{ ref('stg_odoo__account_partial_reconciles') }}

),

currencies as (

    select * from {{ ref('stg_odoo__res_currencies') }}

),

report_dates as (

    select * from {{ ref('int_report_dates_resolved') }}

),

candidate_items as (

    select
        move_lines.*,
        case move_lines.account_type
            when 'asset_receivable' then 'receivable'
            else 'payable'
        end as aging_type,
        report_dates.as_of_date,
        report_dates.aging_interval_days
    from move_lines
    cross join report_dates
    where move_lines.is_posted
        and move_lines.account_type in ('asset_receivable', 'liability_payable')
        and move_lines.accounting_date <= report_dates.as_of_date

),

partials_as_of as (

    select partials.*
    from partials
    cross join report_dates
    where partials.max_date <= report_dates.as_of_date

),

matched_as_debit as (

    select
        debit_move_id                                as move_line_id,
        sum(coalesce(amount, 0))                     as amount,
        sum(coalesce(debit_amount_currency, 0))      as amount_currency
    from partials_as_of
    group by 1

),

matched_as_credit as (

    select
        credit_move_id                               as move_line_id,
        sum(coalesce(amount, 0))                     as amount,
        sum(coalesce(credit_amount_currency, 0))     as amount_currency
    from partials_as_of
    group by 1

),

residuals as (

    select
        candidate_items.*,
        candidate_items.balance
            - coalesce(matched_as_debit.amount, 0)
            + coalesce(matched_as_credit.amount, 0)          as residual,
        candidate_items.amount_currency
            - coalesce(matched_as_debit.amount_currency, 0)
            + coalesce(matched_as_credit.amount_currency, 0) as residual_currency,
        coalesce(currencies.decimal_places, 2)               as company_currency_decimals
    from candidate_items
    left join matched_as_debit
        on candidate_items.move_line_id = matched_as_debit.move_line_id
    left join matched_as_credit
        on candidate_items.move_line_id = matched_as_credit.move_line_id
    left join currencies
        on candidate_items.company_currency_id = currencies.currency_id

),

aged as (

    select
        residuals.*,
        {{ days_between('due_date', 'as_of_date') }} as days_overdue
    from residuals
    where abs(residual) >= 0.5 * power(10.0, -company_currency_decimals)

),

final as (

    select
        move_line_id,
        aging_type,
        as_of_date,
        aging_interval_days,
        company_id,
        partner_id,
        commercial_partner_id,
        account_id,
        account_code,
        is_non_trade_account,
        move_id,
        move_name,
        move_type,
        journal_id,
        accounting_date,
        maturity_date,
        due_date,
        invoice_date,
        company_currency_id,
        currency_id,
        balance,
        amount_currency,
        cast(residual as {{ odoo_type('money') }})          as residual,
        cast(residual_currency as {{ odoo_type('money') }}) as residual_currency,
        days_overdue,
        {{ aging_bucket('days_overdue', 'aging_interval_days') }} as aging_bucket,
        {{ aging_bucket_label(aging_bucket('days_overdue', 'aging_interval_days'), 'aging_interval_days') }}
            as aging_bucket_label
    from aged

)

select * from final
