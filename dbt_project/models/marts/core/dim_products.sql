{#-
    One row per product variant (product.product) with its template's name, category, type
    and prices: the product name every consumer shows, and the cost a draft RFQ is priced at.
-#}

with

products as (

    select * from {{ ref('stg_odoo__product_products') }}

),

templates as (

    select * from {{ ref('stg_odoo__product_templates') }}

),

categories as (

    select * from {{ ref('stg_odoo__product_categories') }}

),

final as (

    select
        products.product_id,
        products.product_tmpl_id                                    as product_template_id,
        templates.name                                              as product_name,
        coalesce(products.default_code, templates.default_code)    as default_code,
        templates.categ_id                                          as category_id,
        categories.name                                             as category_name,
        templates.type                                              as product_type,
        coalesce(templates.is_storable, false)                      as is_storable,
        templates.uom_id,
        templates.company_id,
        cast(products.standard_price as {{ odoo_type('money') }})   as standard_price,
        cast(templates.list_price as {{ odoo_type('money') }})      as list_price,
        coalesce(products.is_active, true) and coalesce(templates.is_active, true)
                                                                    as is_active
    from products
    left join templates
        on products.product_tmpl_id = templates.product_template_id
    left join categories
        on templates.categ_id = categories.product_category_id

)

select * from final
