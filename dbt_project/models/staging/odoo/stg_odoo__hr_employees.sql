{#- Odoo `hr.employee`: renamed to house naming and cast; rows deleted in Odoo are dropped. -#}
{%- set src = odoo_source('hr_employee') -%}

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
        {{ odoo_column(src, 'id', 'bigint') }}                              as employee_id,
        {{ odoo_column(src, 'active', 'boolean') }}                         as is_active,
        {{ odoo_column(src, 'bank_account_ids', 'text') }}                  as bank_account_ids,
        {{ odoo_column(src, 'barcode', 'text') }}                           as barcode,
        {{ odoo_column(src, 'birthday', 'date') }}                          as birthday_date,
        {{ odoo_column(src, 'birthday_public_display', 'boolean') }}        as is_birthday_public_display,
        {{ odoo_column(src, 'category_ids', 'text') }}                      as category_ids,
        {{ odoo_column(src, 'certificate', 'text') }}                       as certificate,
        {{ odoo_column(src, 'coach_id', 'bigint') }}                        as coach_id,
        {{ odoo_column(src, 'color', 'bigint') }}                           as color,
        {{ odoo_column(src, 'company_id', 'bigint') }}                      as company_id,
        {{ odoo_column(src, 'country_of_birth', 'bigint') }}                as country_of_birth,
        {{ odoo_column(src, 'create_date', 'timestamptz') }}                as created_at,
        {{ odoo_column(src, 'create_uid', 'bigint') }}                      as created_by_user_id,
        {{ odoo_column(src, 'current_version_id', 'bigint') }}              as current_version_id,
        {{ odoo_column(src, 'emergency_contact', 'text') }}                 as emergency_contact,
        {{ odoo_column(src, 'emergency_phone', 'text') }}                   as emergency_phone,
        {{ odoo_column(src, 'expense_manager_id', 'bigint') }}              as expense_manager_id,
        {{ odoo_column(src, 'friday_location_id', 'bigint') }}              as friday_location_id,
        {{ odoo_column(src, 'lang', 'text') }}                              as lang,
        {{ odoo_column(src, 'legal_name', 'text') }}                        as legal_name,
        {{ odoo_column(src, 'mobile_phone', 'text') }}                      as mobile_phone,
        {{ odoo_column(src, 'monday_location_id', 'bigint') }}              as monday_location_id,
        {{ odoo_column(src, 'name', 'text') }}                              as name,
        {{ odoo_column(src, 'parent_id', 'bigint') }}                       as parent_id,
        {{ odoo_column(src, 'permit_no', 'text') }}                         as permit_no,
        {{ odoo_column(src, 'pin', 'text') }}                               as pin,
        {{ odoo_column(src, 'place_of_birth', 'text') }}                    as place_of_birth,
        {{ odoo_column(src, 'private_car_plate', 'text') }}                 as private_car_plate,
        {{ odoo_column(src, 'private_email', 'text') }}                     as private_email,
        {{ odoo_column(src, 'private_phone', 'text') }}                     as private_phone,
        {{ odoo_column(src, 'resource_id', 'bigint') }}                     as resource_id,
        {{ odoo_column(src, 'salary_distribution', 'text') }}               as salary_distribution,
        {{ odoo_column(src, 'saturday_location_id', 'bigint') }}            as saturday_location_id,
        {{ odoo_column(src, 'skill_ids', 'text') }}                         as skill_ids,
        {{ odoo_column(src, 'study_field', 'text') }}                       as study_field,
        {{ odoo_column(src, 'study_school', 'text') }}                      as study_school,
        {{ odoo_column(src, 'sunday_location_id', 'bigint') }}              as sunday_location_id,
        {{ odoo_column(src, 'thursday_location_id', 'bigint') }}            as thursday_location_id,
        {{ odoo_column(src, 'today_location_name', 'text') }}               as today_location_name,
        {{ odoo_column(src, 'tuesday_location_id', 'bigint') }}             as tuesday_location_id,
        {{ odoo_column(src, 'user_id', 'bigint') }}                         as user_id,
        {{ odoo_column(src, 'visa_expire', 'date') }}                       as visa_expire_date,
        {{ odoo_column(src, 'visa_no', 'text') }}                           as visa_no,
        {{ odoo_column(src, 'wednesday_location_id', 'bigint') }}           as wednesday_location_id,
        {{ odoo_column(src, 'work_contact_id', 'bigint') }}                 as work_contact_id,
        {{ odoo_column(src, 'work_email', 'text') }}                        as work_email,
        {{ odoo_column(src, 'work_permit_expiration_date', 'date') }}       as work_permit_expiration_date,
        {{ odoo_column(src, 'work_permit_scheduled_activity', 'boolean') }} as is_work_permit_scheduled_activity,
        {{ odoo_column(src, 'work_phone', 'text') }}                        as work_phone,
        {{ odoo_column(src, 'write_date', 'timestamptz') }}                 as updated_at,
        {{ odoo_column(src, 'write_uid', 'bigint') }}                       as updated_by_user_id,
        {{ odoo_column(src, '_extracted_at', 'timestamptz') }} as extracted_at
        {{ odoo_custom_columns(src) }}
    from live

)

select * from final
