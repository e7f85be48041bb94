{#- A percentile with linear interpolation between the closest ranks, as an
    aggregate (DuckDB quantile_cont, PostgreSQL percentile_cont, Spark
    percentile). -#}
{% macro percentile_cont(expression, fraction) %}
    {{ return(adapter.dispatch('percentile_cont', 'arpu')(expression, fraction)) }}
{% endmacro %}

{% macro default__percentile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile_cont(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro spark__percentile_cont(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}
