{#-
    One row per currency (res.currency, inactive included: old entries and rates still name
    them) with its ISO code and symbol: what a consumer shows beside a currency id.
-#}

with

currencies as (

    select * from {{ ref('stg_odoo__res_currencies') }}

),

final as (

    select
        currency_id,
        name                            as currency_code,
        symbol                          as currency_symbol,
        full_name                       as currency_name,
        decimal_places,
        coalesce(is_active, false)      as is_active
    from currencies

)

select * from final
