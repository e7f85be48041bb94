{#- The texts of a group as one text, comma-separated, sorted byte by byte,
    the same on every engine: dbt.listagg cannot sort on Spark, and a list
    in another order would make the same build differ between engines. -#}
{% macro sorted_text_list(expression) %}
    {{ return(adapter.dispatch('sorted_text_list', 'arpu')(expression)) }}
{% endmacro %}

{% macro default__sorted_text_list(expression) -%}
    string_agg({{ expression }}, ', ' order by {{ arpu.bytewise(expression) }})
{%- endmacro %}

{% macro spark__sorted_text_list(expression) -%}
    array_join(array_sort(collect_list({{ expression }})), ', ')
{%- endmacro %}
