{#-
    The cash-flow statement by month per company, in company currency, two ways:

    * indirect: net profit, depreciation added back, then the change of every non-cash
      balance sheet account by type (working capital in operating; fixed and non-current
      assets in investing, net of the depreciation added back; non-current liabilities and
      equity in financing);
    * direct: the movements of the liquidity accounts, each journal entry's cash given to
      the type of its counterpart accounts (customer receipts, supplier payments, ...).

    Cash is what the cash position mart counts (int_liquidity_accounts_identified: bank and
    cash accounts and the outstanding receipts/payments accounts), so both methods' net
    change equals the change of fct_cash_flows_monthly's closing cash to the cent: every
    posted entry balances, so the cash moved is minus the movement of everything else.
-#}

{%- set indirect = [
    ('operating', 'net_profit',              'Net profit',                                10),
    ('operating', 'depreciation',            'Depreciation added back',                   20),
    ('operating', 'receivables',             'Decrease (increase) in receivables',        30),
    ('operating', 'current_assets',          'Decrease (increase) in other current assets', 40),
    ('operating', 'prepayments',             'Decrease (increase) in prepayments',        50),
    ('operating', 'payables',                'Increase (decrease) in payables',           60),
    ('operating', 'credit_cards',            'Increase (decrease) in credit cards',       70),
    ('operating', 'current_liabilities',     'Increase (decrease) in current liabilities', 80),
    ('operating', 'unclassified',            'Accounts without a statement type',         90),
    ('investing', 'fixed_assets',            'Fixed assets acquired (net of depreciation)', 210),
    ('investing', 'non_current_assets',      'Non-current assets acquired',               220),
    ('financing', 'non_current_liabilities', 'Increase (decrease) in non-current liabilities', 310),
    ('financing', 'equity',                  'Equity contributed (distributed)',          320),
] -%}
{%- set direct = [
    ('operating', 'customer_receipts',       'Received from customers',                   10),
    ('operating', 'supplier_payments',       'Paid to suppliers',                         20),
    ('operating', 'income_received',         'Other income received',                     30),
    ('operating', 'expenses_paid',           'Expenses paid',                             40),
    ('operating', 'other_operating',         'Taxes and other operating items',           50),
    ('investing', 'investing',               'Fixed and non-current assets',              210),
    ('financing', 'financing',               'Loans and equity',                          310),
] -%}

with

general_ledger as (

    select * from {{ ref('fct_general_ledger') }}

),

trial_balance as (

    select * from {{ ref('fct_trial_balance_monthly') }}

),

liquidity_accounts as (

    select * from {{ ref('int_liquidity_accounts_identified') }}

),

fiscal_months as (

    select * from {{ ref('dim_fiscal_months') }}

),

{#- indirect: the month's movement of every account, cash accounts left out -#}
movements as (

    select
        trial_balance.company_id,
        trial_balance.period_month_date,
        trial_balance.statement,
        case when trial_balance.statement in ('unclassified', 'off_balance') then 'unclassified'
            else trial_balance.line_code end      as line_code,
        trial_balance.account_type,
        liquidity_accounts.account_id is not null as is_cash,
        trial_balance.net_movement,
        trial_balance.closing_balance
    from trial_balance
    left join liquidity_accounts
        on trial_balance.account_id = liquidity_accounts.account_id

),

indirect_wide as (

    select
        company_id,
        period_month_date,
        -sum(case when statement = 'profit_and_loss' then net_movement else 0 end)             as net_profit,
        sum(case when account_type = 'expense_depreciation' then net_movement else 0 end)      as depreciation,
        {%- for section, code, _name, _seq in indirect if code not in ('net_profit', 'depreciation', 'equity', 'fixed_assets') %}
        -sum(case when not is_cash and statement in ('balance_sheet', 'unclassified', 'off_balance')
            and line_code = '{{ code }}' then net_movement else 0 end)                         as {{ code }},
        {%- endfor %}
        -sum(case when not is_cash and line_code = 'fixed_assets' then net_movement else 0 end)
            - sum(case when account_type = 'expense_depreciation' then net_movement else 0 end) as fixed_assets,
        -sum(case when not is_cash and account_type in ('equity', 'equity_unaffected')
            then net_movement else 0 end)                                                      as equity,
        sum(case when is_cash then net_movement else 0 end)                                    as cash_movement,
        sum(case when is_cash then closing_balance else 0 end)                                 as closing_cash
    from movements
    group by 1, 2

),

{#- direct: each entry's cash, given to the type of its non-cash lines -#}
cash_moves as (

    select distinct general_ledger.move_id
    from general_ledger
    inner join liquidity_accounts
        on general_ledger.account_id = liquidity_accounts.account_id

),

counterparts as (

    select
        general_ledger.company_id,
        general_ledger.period_month_date,
        case
            when general_ledger.account_type = 'asset_receivable' then 'customer_receipts'
            when general_ledger.account_type = 'liability_payable' then 'supplier_payments'
            when general_ledger.account_type in ('income', 'income_other') then 'income_received'
            when general_ledger.account_type like 'expense%' then 'expenses_paid'
            when general_ledger.account_type in ('asset_fixed', 'asset_non_current') then 'investing'
            when general_ledger.account_type in ('liability_non_current', 'equity', 'equity_unaffected')
                then 'financing'
            else 'other_operating'
        end                                                          as line_code,
        -general_ledger.balance                                      as cash_amount
    from general_ledger
    inner join cash_moves
        on general_ledger.move_id = cash_moves.move_id
    left join liquidity_accounts
        on general_ledger.account_id = liquidity_accounts.account_id
    where liquidity_accounts.account_id is null

),

direct_by_month as (

    select company_id, period_month_date, line_code, sum(cash_amount) as amount
    from counterparts
    group by 1, 2, 3

),

lines as (

    {%- for section, code, name, seq in indirect %}
    select
        fiscal_months.company_id,
        fiscal_months.company_currency_id,
        fiscal_months.period_month_date,
        'indirect'         as method,
        '{{ section }}'    as section_code,
        '{{ code }}'       as line_code,
        '{{ name }}'       as line_name,
        {{ seq }}          as line_sequence,
        coalesce(indirect_wide.{{ code }}, 0) as amount
    from fiscal_months
    left join indirect_wide
        on fiscal_months.company_id = indirect_wide.company_id
        and fiscal_months.period_month_date = indirect_wide.period_month_date
    union all
    {%- endfor %}
    {%- for section, code, name, seq in direct %}
    select
        fiscal_months.company_id,
        fiscal_months.company_currency_id,
        fiscal_months.period_month_date,
        'direct'           as method,
        '{{ section }}'    as section_code,
        '{{ code }}'       as line_code,
        '{{ name }}'       as line_name,
        {{ seq }}          as line_sequence,
        coalesce(direct_by_month.amount, 0) as amount
    from fiscal_months
    left join direct_by_month
        on fiscal_months.company_id = direct_by_month.company_id
        and fiscal_months.period_month_date = direct_by_month.period_month_date
        and direct_by_month.line_code = '{{ code }}'
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

sections as (

    select
        company_id,
        company_currency_id,
        period_month_date,
        method,
        section_code,
        'total_' || section_code                          as line_code,
        case section_code
            when 'operating' then 'Net cash from operating activities'
            when 'investing' then 'Net cash from investing activities'
            else 'Net cash from financing activities'
        end                                               as line_name,
        case section_code when 'operating' then 190 when 'investing' then 290 else 390 end
                                                          as line_sequence,
        sum(amount)                                       as amount
    from lines
    group by 1, 2, 3, 4, 5

),

net_change as (

    select
        company_id,
        company_currency_id,
        period_month_date,
        method,
        'net_change'                  as section_code,
        'net_change_in_cash'          as line_code,
        'Net change in cash'          as line_name,
        900                           as line_sequence,
        sum(amount)                   as amount
    from lines
    group by 1, 2, 3, 4

),

cash_ends as (

    select
        fiscal_months.company_id,
        fiscal_months.company_currency_id,
        fiscal_months.period_month_date,
        methods.method,
        coalesce(indirect_wide.closing_cash, 0)                                  as closing_cash,
        coalesce(indirect_wide.closing_cash, 0) - coalesce(indirect_wide.cash_movement, 0)
                                                                                 as opening_cash
    from fiscal_months
    cross join (select 'indirect' as method union all select 'direct' as method) as methods
    left join indirect_wide
        on fiscal_months.company_id = indirect_wide.company_id
        and fiscal_months.period_month_date = indirect_wide.period_month_date

),

all_lines as (

    select * from lines
    union all
    select * from sections
    union all
    select * from net_change
    union all
    select company_id, company_currency_id, period_month_date, method, 'cash', 'opening_cash',
        'Cash at the beginning of the month', 5, opening_cash
    from cash_ends
    union all
    select company_id, company_currency_id, period_month_date, method, 'cash', 'closing_cash',
        'Cash at the end of the month', 999, closing_cash
    from cash_ends

),

final as (

    select
        {{ surrogate_key(['company_id', 'period_month_date', 'method', 'line_code']) }} as cash_flow_statement_key,
        company_id,
        company_currency_id,
        period_month_date,
        method,
        section_code,
        line_code,
        line_name,
        line_sequence,
        amount
    from all_lines

)

select * from final
