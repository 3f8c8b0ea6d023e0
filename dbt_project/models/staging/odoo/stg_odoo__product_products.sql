{#- Odoo `product.product`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('product_product') -%}

with

source as (

    select * from {{ src.relation }}

),

live as (

    select * from source
    where {{ odoo_column(src, '_odoo_deleted_at', 'timestamptz') }} is null

),

final as (

    select
        {{ odoo_column(src, 'id', 'bigint') }}                                 as product_id,
        {{ odoo_column(src, 'active', 'boolean') }}                            as is_active,
        {{ odoo_column(src, 'additional_product_tag_ids', 'text') }}           as additional_product_tag_ids,
        {{ odoo_column(src, 'barcode', 'text') }}                              as barcode,
        {{ odoo_column(src, 'can_image_variant_1024_be_zoomed', 'boolean') }}  as is_can_image_variant_1024_be_zoomed,
        {{ odoo_column(src, 'combination_indices', 'text') }}                  as combination_indices,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                   as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                         as created_by_user_id,
        {{ odoo_column(src, 'default_code', 'text') }}                         as default_code,
        {{ odoo_column(src, 'is_favorite', 'boolean') }}                       as is_favorite,
        {{ odoo_column(src, 'is_in_selected_section_of_order', 'boolean') }}   as is_in_selected_section_of_order,
        {{ odoo_column(src, 'product_template_attribute_value_ids', 'text') }} as product_template_attribute_value_ids,
        {{ odoo_column(src, 'product_template_variant_value_ids', 'text') }}   as product_template_variant_value_ids,
        {{ odoo_column(src, 'product_tmpl_id', 'bigint') }}                    as product_tmpl_id,
        {{ odoo_column(src, 'standard_price', 'double') }}                     as standard_price,
        {{ odoo_column(src, 'volume', 'double') }}                             as volume,
        {{ odoo_column(src, 'weight', 'double') }}                             as weight,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                    as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                          as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
