{#- Aged Payable as Odoo shows it (amounts owed positive): per company, partner and currency. -#}
{{ aged_balance_by_partner('payable', -1) }}
