{#- numerator / denominator, NULL when the denominator is 0 or NULL, as a
    double: ratios are compared to 1e-6, money sums stay exact. -#}
{% macro safe_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ arpu.type_double() }})
    / nullif(cast({{ denominator }} as {{ arpu.type_double() }}), 0)
{%- endmacro %}
