{#-
    A number rounded to `scale` decimals with that scale in its type, identical on DuckDB and
    PostgreSQL (round() of a double does not exist on PostgreSQL, and an unconstrained
    numeric keeps whatever scale the arithmetic gave it).
-#}
{% macro round_to(expr, scale) -%}
    cast(round(cast({{ expr }} as numeric(28, 10)), {{ scale }}) as numeric(28, {{ scale }}))
{%- endmacro %}
