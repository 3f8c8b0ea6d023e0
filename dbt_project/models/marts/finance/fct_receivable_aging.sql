{#- Aged Receivable as Odoo shows it: per company, partner and currency, at the report date. -#}
{{ aged_balance_by_partner('receivable', 1) }}
