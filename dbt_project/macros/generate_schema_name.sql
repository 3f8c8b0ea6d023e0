{#-
    Schemas are named exactly as configured (staging, intermediate, finance...), not
    prefixed with the target schema: analysts and the dashboard query `finance.fct_*`.
    Models without a configured schema land in the target schema (analytics).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
